"""Problems no demo flow covers (discovery sessions) and the live sessions engineers have open right now."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Novel:
    """A problem without a flow: how engineers narrowed it down and what fixed it.

    ``questions`` are (question, options offered, option the engineer picked); ``weight`` makes recurring
    problems recur, so the knowledge-gap report and the flywheel see clusters.
    """

    key: str
    domain: str | None
    subjects: tuple[str, ...]
    description: str
    questions: tuple[tuple[str, tuple[str, ...], str], ...]
    actions: tuple[str, ...]
    resolution: str
    weight: float


NOVEL = (
    Novel(
        "teams_dock_audio",
        "m365",
        (
            "Teams meeting audio drops on docking station",
            "Audio cuts out in Teams calls when laptop is docked",
            "Teams call audio drops every few minutes at desk (dock)",
            "Headset audio stutters in Teams only on the dock",
        ),
        "Teams meeting audio drops for a few seconds every couple of minutes, only while the laptop is on the USB-C "
        "dock. Undocked on Wi-Fi it is fine.",
        (
            ("Does the drop happen undocked?", ("Yes", "No, only on the dock"), "No, only on the dock"),
            ("Is the headset connected to the dock or to the laptop?", ("Dock", "Laptop", "Bluetooth"), "Dock"),
        ),
        (
            "Updated the dock firmware and the DisplayLink / Realtek USB audio driver",
            "Disabled USB selective suspend in the power plan",
        ),
        "Dock firmware update plus USB selective suspend disabled; Teams audio stable on the dock.",
        9.0,
    ),
    Novel(
        "autopilot_esp",
        "endpoint",
        (
            "Autopilot enrollment stuck at ESP",
            "New laptop stuck on 'Setting up for work' (Enrollment Status Page)",
            "Autopilot hangs at 'Apps (identifying)'",
            "Intune enrollment stuck at ESP device setup",
        ),
        "Brand-new laptop from the vendor sits on the Enrollment Status Page at 'Apps (identifying)' for over an "
        "hour and then times out.",
        (
            (
                "Which ESP phase is stuck?",
                ("Device preparation", "Device setup: apps", "Account setup"),
                "Device setup: apps",
            ),
            ("Is a Win32 app and an MSI line-of-business app both required during ESP?", ("Yes", "No"), "Yes"),
        ),
        (
            "Checked the IME log: a Win32 app and an LOB MSI installing at the same time (TrustedInstaller clash)",
            "Removed the LOB MSI from the ESP blocking apps list and repackaged it as Win32",
        ),
        "Mixed LOB and Win32 apps in the ESP blocking list; repackaged the MSI as Win32 and enrollment completes.",
        7.0,
    ),
    Novel(
        "sharepoint_guest_access",
        "m365",
        (
            "External guest gets 'access required' on SharePoint link",
            "Customer cannot open shared SharePoint folder",
            "Guest user sharing link says you need permission",
        ),
        "A customer invited as a guest gets 'You need permission to access this item' on a sharing link.",
        (
            ("Is external sharing allowed on the site?", ("Yes", "No", "Not sure"), "Not sure"),
            ("Did the guest redeem the invitation with the same e-mail?", ("Yes", "No"), "No"),
        ),
        (
            "Found the guest redeemed with a personal Microsoft account",
            "Removed the guest and re-invited, asked them to redeem with their work address",
        ),
        "Guest redeemed with the wrong identity; re-invited and the link opens.",
        4.0,
    ),
    Novel(
        "excel_locked",
        None,
        (
            "Excel file locked for editing by another user",
            "Spreadsheet says locked by a user who has it closed",
        ),
        "Shared Excel workbook on the file share says it is locked for editing by a colleague who is not using it.",
        (
            ("Is the file on a file share or in SharePoint?", ("File share", "SharePoint"), "File share"),
            ("Does the lock owner have the file open?", ("Yes", "No"), "No"),
        ),
        (
            "Closed the open file handle in Computer Management > Shared Folders > Open Files on NW-FS-01",
            "Deleted the ~$ owner file left in the folder",
        ),
        "Stale open handle and owner file cleared on the file server; the workbook opens for editing.",
        3.5,
    ),
    Novel(
        "avd_black_screen",
        None,
        ("Azure Virtual Desktop black screen at sign in", "AVD session shows black screen after login"),
        "Connecting to the Azure Virtual Desktop pool shows a black screen for several minutes, then disconnects.",
        (("Does it happen on every session host?", ("Yes", "No, one host"), "No, one host"),),
        ("Found FSLogix profile container locked by a stale session on NW-AVD-3", "Drained and restarted the host"),
        "Stale FSLogix profile lock on one AVD host; drained and restarted it.",
        3.0,
    ),
    Novel(
        "scan_to_email",
        "printers",
        ("Scan to email stopped working on the copier", "MFP cannot send scans by e-mail"),
        "The Ricoh copier fails to send scans by e-mail since the weekend: 'authentication failed'.",
        (("Does the copier use SMTP AUTH with a mailbox?", ("Yes", "No, relay"), "Yes"),),
        (
            "SMTP AUTH was disabled tenant-wide by the security baseline",
            "Moved the copier to an SMTP relay connector restricted to the office IP",
        ),
        "Copier moved from SMTP AUTH to a relay connector; scans arrive.",
        2.0,
    ),
    Novel(
        "entra_connect_duplicate",
        "active_directory",
        ("Entra Connect sync error for new user", "New starter not showing in Microsoft 365"),
        "New starter created in AD yesterday does not appear in Microsoft 365; Entra Connect shows an export error.",
        (("What does the sync error say?", ("AttributeValueMustBeUnique", "Other"), "AttributeValueMustBeUnique"),),
        ("Found the proxyAddress already on a leaver's contact object", "Removed the duplicate and ran a delta sync"),
        "Duplicate proxyAddress removed from an old contact; the user synced.",
        1.5,
    ),
    Novel(
        "yealink_registration",
        "networking",
        ("Desk phone not registering", "Yealink phone says 'No service'"),
        "Yealink T54W desk phone shows 'Account not registered' after the office moved to the new switch.",
        (("Does the phone get an IP on the voice VLAN?", ("Yes", "No"), "No"),),
        ("LLDP-MED voice VLAN not configured on the new switch ports", "Configured the voice VLAN on the ports"),
        "Voice VLAN missing on the new switch; phones register after the port config fix.",
        1.5,
    ),
    Novel(
        "intune_install_pending",
        "endpoint",
        ("Company Portal app stuck at install pending",),
        "Company Portal shows 'Install pending' for the CAD software for two days.",
        (("Is the device checked in with Intune recently?", ("Yes", "No"), "Yes"),),
        ("The Win32 app's detection rule pointed at a version-specific folder", "Fixed the detection rule"),
        "Wrong detection rule made Intune think the app never installed; corrected it.",
        1.0,
    ),
    Novel(
        "dmarc_newsletter",
        "exchange",
        ("Newsletters rejected by customers' mail servers", "Mailchimp campaign bouncing DMARC"),
        "The marketing newsletter sent through Mailchimp is rejected by recipients with a DMARC failure.",
        (("Is Mailchimp's DKIM set up for the domain?", ("Yes", "No"), "No"),),
        ("Added the Mailchimp DKIM CNAMEs in DNS", "Authenticated the domain in Mailchimp"),
        "Newsletter now DKIM-aligned; DMARC passes.",
        1.0,
    ),
    Novel(
        "m365_backup_throttled",
        "backup",
        ("Microsoft 365 backup job slow and throttled",),
        "The Microsoft 365 mailbox backup runs for 20 hours and logs 'throttled by Microsoft Graph'.",
        (("Is the job using a single app registration?", ("Yes", "No"), "Yes"),),
        ("Added backup applications to spread the Graph throttling limits", "Split the job into three"),
        "Job split with extra backup apps; completes overnight.",
        1.2,
    ),
    Novel(
        "defender_lob_quarantine",
        "security",
        ("Defender quarantined our line-of-business app", "Accounting app deleted by antivirus"),
        "Defender quarantined the accounting package's updater as 'Trojan:Win32/Wacatac'.",
        (("Is the file signed by the vendor?", ("Yes", "No"), "Yes"),),
        ("Submitted the file to Microsoft as a false positive", "Restored from quarantine with an indicator allow"),
        "False positive confirmed by Microsoft; file restored and allowed by certificate indicator.",
        1.2,
    ),
    Novel(
        "conference_room",
        None,
        ("Meeting room screen won't show laptop", "Conference room display no signal"),
        "Boardroom screen shows 'no signal' when the HDMI from the table is plugged in.",
        (("Does a different laptop work?", ("Yes", "No"), "No"),),
        ("Replaced the HDMI extender power supply behind the screen",),
        "HDMI extender had failed; replaced its power supply.",
        1.0,
    ),
)

# Live sessions for Script Assist: realistic identifiers an engineer would paste in.
ACTIVE = (
    (
        "ad_lockout",
        "jsmith@northwind.example keeps getting locked out",
        "John Smith (NORTHWIND\\jsmith) locked out 4 times since 8am. Event 4740 on NW-DC-01 names caller NW-LT-0423.",
    ),
    (
        "ad_password_reset",
        "Password reset for mlopez",
        "Maria Lopez (mlopez@northwind.example, NORTHWIND\\mlopez) forgot her password; she is remote on NW-LT-0517.",
    ),
    (
        "exchange_shared_mailbox",
        "Give akhan access to the Accounts mailbox",
        "Ayesha Khan (akhan@northwind.example) needs Full Access and Send As on accounts@northwind.example.",
    ),
    (
        "print_spooler",
        "Print queue stuck on NW-PRINT-01",
        "Finance printer 'FIN-HP-M607' queue on NW-PRINT-01 has 40 stuck jobs; spooler restarted twice already.",
    ),
    (
        "net_dns",
        "Cannot reach intranet by name from NW-LT-0388",
        "tbrown@northwind.example: intranet.northwind.example does not resolve on NW-LT-0388, works by IP.",
    ),
    (
        "ad_lockout",
        "Service account svc-backup locking",
        "NORTHWIND\\svc-backup locks every 30 minutes since the password rotation; caller NW-BKP-01.",
    ),
    (
        "m365_mfa",
        "New phone - MFA for pgarcia",
        "Pablo Garcia (pgarcia@northwind.example) replaced his phone, needs to re-register Authenticator.",
    ),
    (
        "net_mapped_drive",
        "Add dlee to 'Finance-RW' for S: drive",
        'David Lee (NORTHWIND\\dlee) needs write access to S:\\Finance: add him to the group "Finance-RW".',
    ),
    (
        "ep_disk_full",
        "NW-LT-0290 C: drive full",
        "C: on NW-LT-0290 (user rpatel@northwind.example) has 800 MB free; Windows Update failing.",
    ),
    (
        "exchange_mailbox_full",
        "Mailbox full for ceo@northwind.example",
        "Susan Miller (ceo@northwind.example) mailbox at 99 GB, cannot send; E3 licence.",
    ),
    (
        "vpn_client_error",
        "VPN error 809 for kwong on NW-LT-0455",
        "Kevin Wong (NORTHWIND\\kwong) on NW-LT-0455 gets error 809 from the hotel Wi-Fi.",
    ),
    (
        "ep_bitlocker",
        "BitLocker recovery on NW-LT-0602",
        "NW-LT-0602 (lnguyen@northwind.example) shows BitLocker recovery after a BIOS update, Key ID 4F2A-...",
    ),
    (
        "sec_phishing",
        "jsmith clicked a phishing link",
        "jsmith@northwind.example entered credentials on a fake DocuSign page at 09:12; check inbox rules.",
    ),
    (
        "print_offline",
        'Add "Printers-Floor2" group to new starter',
        "New starter ewhite@northwind.example (NORTHWIND\\ewhite) on NW-LT-0631 cannot see the floor 2 printer.",
    ),
    (
        "backup_job_failed",
        "Veeam job NW-SQL-Daily failing VSS",
        "Job NW-SQL-Daily failed for NW-SQL-01: SqlServerWriter in failed state.",
    ),
)

# Customers of the MSP: the people who raise the tickets.
REQUESTERS = (
    ("Maria Lopez", "mlopez@fabrikam.example"),
    ("John Smith", "jsmith@northwind.example"),
    ("Ayesha Khan", "akhan@fabrikam.example"),
    ("Tom Brown", "tbrown@adatum.example"),
    ("Pablo Garcia", "pgarcia@litware.example"),
    ("Linh Nguyen", "lnguyen@adatum.example"),
    ("Rajesh Patel", "rpatel@fabrikam.example"),
    ("Emma White", "ewhite@litware.example"),
    ("Kevin Wong", "kwong@tailspin.example"),
    ("Sophie Martin", "smartin@tailspin.example"),
    ("Ahmed Hassan", "ahassan@wingtip.example"),
    ("Olga Ivanova", "oivanova@wingtip.example"),
    ("Chloe Dubois", "cdubois@fabrikam.example"),
    ("Lucas Silva", "lsilva@adatum.example"),
    ("Grace Okafor", "gokafor@litware.example"),
    ("Daniel Cohen", "dcohen@tailspin.example"),
)
