"""Hand-written helpdesk text pairs that calibrate an embedder's duplicate threshold.

``DUPLICATES`` are two engineers describing the same problem in their own words; ``DIFFERENT`` are two problems
of the same domain (same product, different failure), the pairs a threshold must keep apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DUPLICATES: list[tuple[str, str]] = [
    ("Outlook keeps prompting for password", "Outlook repeatedly asks for the password again and again"),
    ("Outlook stuck on loading profile", "Outlook hangs at Loading Profile when starting"),
    ("Cannot connect to VPN, error 809", "VPN connection fails with error 809"),
    ("Printer offline on second floor", "Second floor printer shows as offline"),
    ("OneDrive sync stuck processing changes", "OneDrive is stuck on processing changes and not syncing"),
    ("Teams camera not detected in meetings", "Microsoft Teams does not detect the camera during meetings"),
    ("Mapped drive disconnected after reboot", "Network mapped drive disconnects after every reboot"),
    ("User locked out of account after password change", "Account lockout after the user changed password"),
    ("Shared mailbox not showing in Outlook", "Outlook does not show the shared mailbox"),
    ("BitLocker recovery key prompt at boot", "Laptop asks for BitLocker recovery key on startup"),
    ("Windows update fails with 0x80070005", "Windows Update error 0x80070005 when installing updates"),
    ("MFA push notifications not arriving on phone", "Authenticator app not receiving MFA push notifications"),
    ("Excel crashes when opening large files", "Excel crashing on opening big spreadsheet files"),
    ("Wi-Fi keeps dropping on laptop", "Laptop Wi-Fi connection drops constantly"),
    ("Cannot print PDF files, spooler crashes", "Print spooler crashes when printing PDF files"),
    ("SharePoint access denied to project site", "Access denied error on the SharePoint project site"),
    ("Calendar invites not received from external senders", "External meeting invites not arriving in calendar"),
    ("Slow login to Windows with roaming profile", "Windows login very slow because of roaming profile"),
    ("Email stuck in outbox, not sending", "Emails stay in the outbox and are never sent"),
    ("Monitor no signal after docking station connected", "No signal on monitor when laptop on docking station"),
]

DIFFERENT: list[tuple[str, str]] = [
    ("Outlook keeps prompting for password", "Outlook search returns no results"),
    ("Outlook stuck on loading profile", "Outlook calendar reminders not popping up"),
    ("Cannot connect to VPN, error 809", "VPN connects but internal websites do not load"),
    ("Printer offline on second floor", "Printer prints blank pages"),
    ("OneDrive sync stuck processing changes", "OneDrive files deleted by mistake need restore"),
    ("Teams camera not detected in meetings", "Teams chat messages not delivered"),
    ("Mapped drive disconnected after reboot", "Access denied writing to file share folder"),
    ("User locked out of account after password change", "New starter account needs licence assigned"),
    ("Shared mailbox not showing in Outlook", "Mailbox full, cannot receive email"),
    ("BitLocker recovery key prompt at boot", "Laptop battery drains quickly"),
    ("Windows update fails with 0x80070005", "Windows activation error 0xC004F074"),
    ("MFA push notifications not arriving on phone", "Conditional access blocks sign-in from home"),
    ("Excel crashes when opening large files", "Excel macros disabled by policy"),
    ("Wi-Fi keeps dropping on laptop", "Bluetooth headset will not pair"),
    ("Cannot print PDF files, spooler crashes", "Scanner scan to email fails authentication"),
    ("SharePoint access denied to project site", "SharePoint document version history missing"),
    ("Calendar invites not received from external senders", "Spam filter quarantines invoices"),
    ("Slow login to Windows with roaming profile", "Desktop icons disappeared after update"),
    ("Email stuck in outbox, not sending", "Email signature missing logo image"),
    ("Monitor no signal after docking station connected", "Keyboard keys typing wrong characters"),
]


def pair_scores(embedder, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Cosine similarity of each pair under ``embedder``."""
    left = embedder.embed([a for a, _ in pairs])
    right = embedder.embed([b for _, b in pairs])
    return np.sum(left * right, axis=1)
