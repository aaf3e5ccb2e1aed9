"""IT abbreviations, old product names and symptom synonyms, folded to one canonical term before comparing texts.

Engineers write the same problem as "Azure AD", "AAD" or "Entra ID", "2FA" or "MFA", "OST" or "offline data
file"; a lexical comparison sees different words. :func:`canonicalise` rewrites every variant listed in
:data:`SYNONYMS` to its canonical term (a single token such as ``entra_id``) and every Windows-style error code to
one form (``0x80180014``, ``80180014`` and ``0X80180014`` all become ``err_80180014``), so texts that say the same
thing in different vocabularies share tokens.

The table is hand-written for a managed service desk on Microsoft 365; a variant that is also an ordinary English
word (``ad``, ``mem``, ``esp``) is only rewritten where it stands as a whole word, which keeps "advert" and
"memory" intact but does turn the verb "mem" into Intune (no such verb occurs in helpdesk text).
"""

from __future__ import annotations

import re

# canonical term -> the ways engineers write it (lower case; whole words or phrases).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "entra_id": ("azure active directory", "azure ad", "aad", "microsoft entra id", "entra id", "entra"),
    "avd": ("azure virtual desktop", "windows virtual desktop", "wvd", "avd"),
    "mfa": (
        "multi-factor authentication",
        "multi factor authentication",
        "multifactor authentication",
        "two-factor authentication",
        "two factor authentication",
        "2-step verification",
        "two-step verification",
        "multi-factor",
        "multifactor",
        "two-factor",
        "two factor",
        "2fa",
        "mfa",
    ),
    "gpo": ("group policy objects", "group policy object", "group policies", "group policy", "gpos", "gpo"),
    "esp": ("enrollment status page", "enrolment status page", "esp"),
    "ost": ("offline outlook data file", "offline data file", "ost file", ".ost", "ost"),
    "pst": ("personal folders file", "outlook data file", "pst file", ".pst", "pst"),
    "vpn": ("virtual private network", "always on vpn", "vpn"),
    "sso": ("single sign-on", "single sign on", "seamless sso", "sso"),
    "m365": ("microsoft 365", "microsoft365", "office 365", "office365", "o365", "m365"),
    "intune": ("microsoft endpoint manager", "endpoint manager", "mobile device management", "intune", "mem", "mdm"),
    "configmgr": ("configuration manager", "configmgr", "sccm", "mecm"),
    "autopilot": ("windows autopilot", "autopilot", "auto pilot"),
    "enroll": ("enrolment", "enrollment", "enrolled", "enrolling", "enroll", "enrol"),
    "sspr": ("self-service password reset", "self service password reset", "sspr"),
    "exchange_online": ("exchange online", "exo"),
    "onedrive": ("onedrive for business", "one drive", "onedrive", "odfb"),
    "sharepoint": ("sharepoint online", "sharepoint", "spo"),
    "teams": ("microsoft teams", "ms teams", "teams"),
    # Defender for Endpoint's old names: Windows Defender ATP, Microsoft Defender ATP (WDATP, MDATP).
    "defender": (
        "windows defender advanced threat protection",
        "windows defender atp",
        "microsoft defender atp",
        "microsoft defender for endpoint",
        "microsoft defender",
        "windows defender",
        "defender for endpoint",
        "defender",
        "wdatp",
        "mdatp",
        "mde",
    ),
    "authenticator": ("microsoft authenticator", "ms authenticator", "authenticator app", "authenticator"),
    "conditional_access": ("conditional access", "ca policies", "ca policy"),
    "rdp": ("remote desktop connection", "remote desktop", "mstsc", "rdp"),
    "rds": ("remote desktop services", "terminal services", "terminal server", "rds"),
    "active_directory": ("active directory", "on-prem ad", "ad ds", "ad"),
    "domain_controller": ("domain controller", "dc"),
    "bsod": ("blue screen of death", "blue screen", "stop error", "bsod"),
    "ndr": (
        "non-delivery report",
        "non delivery report",
        "bounce-back",
        "bounceback",
        "bounced",
        "undeliverable",
        "ndr",
    ),
    "wifi": ("wireless network", "wi-fi", "wi fi", "wifi", "wireless", "wlan"),
    "nic": ("network adapter", "network card", "ethernet adapter", "nic"),
    "password": ("passwords", "password", "passwd", "pwd"),
    "lockout": ("locked out", "lockout", "locked", "lock out"),
    "signin": (
        "signing in",
        "logging in",
        "logging on",
        "sign-in",
        "sign in",
        "signin",
        "log in",
        "login",
        "logon",
        "log on",
    ),
    "prompt": (
        "keeps asking for",
        "keep asking for",
        "asks for",
        "asking for",
        "prompts",
        "prompted",
        "prompting",
        "prompt",
    ),
    "hang": (
        "not responding",
        "stops responding",
        "freezes",
        "freezing",
        "frozen",
        "hangs",
        "hanging",
        "stuck",
        "hang",
    ),
    "crash": ("crashes", "crashing", "crashed", "closes unexpectedly", "crash"),
    "fail": (
        "does not work",
        "doesn't work",
        "not working",
        "not able to",
        "unable to",
        "can't",
        "cant",
        "cannot",
        "can not",
        "won't",
        "wont",
        "fails",
        "failed",
        "failing",
        "failure",
        "broken",
    ),
    "disconnect": (
        "keeps dropping",
        "connection lost",
        "lost connection",
        "loses connection",
        "losing connection",
        "disconnects",
        "disconnected",
        "disconnecting",
        "disconnect",
        "drops",
        "dropping",
        "dropped",
        "drop",
    ),
    "missing": (
        "not showing up",
        "not showing",
        "not visible",
        "not appearing",
        "not displayed",
        "not shown",
        "disappeared",
        "missing",
    ),
    "app": ("applications", "application", "apps", "app"),
    "block": ("quarantines", "quarantined", "quarantine", "blocking", "blocked", "blocks", "block"),
    "phone": ("mobile phone", "smartphone", "cell phone", "mobile", "phone"),
    "slow": ("very slow", "sluggish", "laggy", "takes ages", "slowness", "slow"),
    "computer": ("workstation", "notebook", "laptop", "desktop pc", "computer", "pc"),
    "display": ("external monitor", "monitors", "monitor", "screens", "screen", "display"),
    "dock": ("docking station", "docking", "dock"),
    "network_drive": ("mapped network drive", "mapped drive", "network drive", "mapped drives"),
    "file_share": ("network share", "file share", "shared folder", "share folder"),
    "email": ("e-mails", "e-mail", "emails", "email", "mails", "mail"),
    "licence": ("licences", "licenses", "licensing", "licence", "license"),
    "onboarding": ("new starter", "new starters", "new joiner", "new hire", "new employee", "onboarding", "starter"),
    "offboarding": ("offboarding", "leavers", "leaver", "left the company"),
    "windows_update": (
        "windows update service",
        "windows updates",
        "windows update",
        "cumulative update",
        "patching",
        "patches",
        "wuauserv",
    ),
    # Windows services by display name and by service name ("Restart Audiosrv" = "restart Windows Audio").
    "audio_endpoint_builder": (
        "windows audio endpoint builder",
        "audio endpoint builder",
        "audioendpointbuilder",
    ),
    "windows_audio": ("windows audio service", "windows audio", "audiosrv"),
    "print_spooler": ("print spooler service", "print spooler", "spooler service", "spoolsv", "spooler"),
    "windows_search": ("windows search service", "windows search", "wsearch"),
    "windows_time": ("windows time service", "windows time", "w32time", "w32tm"),
    "quota": ("storage limit", "mailbox full", "quota exceeded", "over quota", "quota"),
    "printer": ("printers", "printer", "copier", "mfd", "mfp"),
    "install": ("installation", "installing", "installed", "install"),
    "restart": (
        "power cycled",
        "power cycle",
        "power-cycled",
        "power-cycle",
        "restarted",
        "restarting",
        "restarts",
        "restart",
        "rebooted",
        "rebooting",
        "reboots",
        "reboot",
    ),
    # "Mac" alone is the computer; a MAC address is something else.
    "mac_address": ("mac addresses", "mac address", "hardware address"),
    "windows": ("windows", "win 10", "win 11", "win10", "win11"),
    "macos": ("mac os x", "mac os", "macos", "os x", "osx", "macs", "mac"),
    # Products renamed more than once, and their service-desk abbreviations.
    "entra_connect": (
        "microsoft entra connect",
        "entra connect",
        "azure active directory connect",
        "azure ad connect",
        "aad connect",
        "aadconnect",
        "aadc",
        "ad connect",
        "directory synchronization",
        "directory synchronisation",
        "dirsync",
        "dir sync",
    ),
    "defender_office": (
        "microsoft defender for office 365",
        "defender for office 365",
        "defender for o365",
        "defender for office",
        "office 365 advanced threat protection",
        "office 365 atp",
        "o365 atp",
        "mdo",
        "atp",
    ),
    "defender_identity": ("microsoft defender for identity", "defender for identity", "azure atp", "mdi"),
    "eop": ("exchange online protection", "eop"),
    "owa": ("outlook on the web", "outlook web access", "outlook web app", "outlook web", "owa"),
    "eac": ("exchange admin center", "exchange admin centre", "exchange admin", "eac", "ecp"),
    "whfb": ("windows hello for business", "hello for business", "windows hello", "whfb"),
    "laps": ("local administrator password solution", "windows laps", "laps"),
    "teams_rooms": ("microsoft teams rooms", "microsoft teams room", "teams rooms", "teams room", "mtr"),
    "skype_business": ("skype for business", "sfb", "lync"),
    "wsus": ("windows server update services", "wsus"),
    "nps": ("network policy server", "nps", "radius"),
    "company_portal": ("company portal app", "company portal"),
    "m365_group": (
        "microsoft 365 groups",
        "microsoft 365 group",
        "office 365 groups",
        "office 365 group",
        "m365 group",
        "o365 group",
        "unified group",
    ),
    "distribution_list": ("distribution lists", "distribution list", "distribution groups", "distribution group"),
    "power_automate": ("power automate", "microsoft flow", "ms flow"),
    "aip": ("azure information protection", "sensitivity labels", "sensitivity label", "aip"),
    "tpm": ("trusted platform module", "tpm"),
    "upn": ("user principal name", "upn"),
    "gal": ("global address list", "address book", "gal"),
    "oab": ("offline address book", "oab"),
    "wsl": ("windows subsystem for linux", "wsl2", "wsl"),
    "rd_gateway": ("remote desktop gateway", "rd gateway", "rdgw", "rdg"),
    "adfs": ("active directory federation services", "ad fs", "adfs"),
    "aduc": ("active directory users and computers", "aduc"),
    "pim": ("privileged identity management", "pim"),
    "hyper_v": ("hyper-v", "hyper v", "hyperv", "hypervisor"),
    "virtualization": (
        "hardware virtualization",
        "hardware virtualisation",
        "virtualization technology",
        "virtualisation",
        "virtualization",
        "intel vt",
        "vt-x",
        "vt-d",
        "amd-v",
        "svm mode",
    ),
    "firmware": ("firmware settings", "firmware", "bios", "uefi"),
    "mailbox": ("mailboxes", "mailbox", "mbx"),
    # "Sent" alone is a stop word (a forwarded mail's header); the folder is a place.
    "sent_items": ("sent items", "sent item", "sent items folder", "sent folder"),
    "certificate": ("certificates", "certificate", "certs", "cert"),
}

# Whole-word alternation, longest variant first so "azure ad" wins over "ad" and "group policy object" over "gpo".
_VARIANT_TO_CANONICAL = {variant: canonical for canonical, variants in SYNONYMS.items() for variant in variants}
_VARIANTS = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(v) for v in sorted(_VARIANT_TO_CANONICAL, key=len, reverse=True))
    + r")(?![\w-])"
)
# Windows/HRESULT-style codes: 8 hex digits with or without 0x (0x80070005, 80180014, 0xC004F074), plus short
# 0x codes (0x1, 0xCAA2000C is covered above). The leading zeros of a short 0x code are dropped: 0x0001 = 0x1.
_HEX8 = re.compile(r"(?<![\w])(?:0x)?([0-9a-f]{8})(?![\w])")
_HEX_SHORT = re.compile(r"(?<![\w])0x0*([0-9a-f]{1,7})(?![\w])")
# "AADSTS 50076" and "AADSTS50076" are one code.
_PREFIXED = re.compile(r"\b(aadsts|kb|event id|event)\s*:?\s*(\d{3,})\b")


def _hex8(match: re.Match[str]) -> str:
    code = match.group(1)
    # Eight decimal digits with no 0x are more likely a ticket or order number than an HRESULT, unless they
    # look like one (HRESULTs of interest start with 8 or C: 0x8..., 0xC...).
    if code.isdigit() and not match.group(0).startswith("0x") and code[0] != "8":
        return match.group(0)
    return f" err_{code} "


def normalise_error_codes(text: str) -> str:
    """Rewrite error codes in lower-cased ``text`` to ``err_<code>`` tokens: ``0x80180014`` = ``80180014``."""
    text = _PREFIXED.sub(lambda m: f" {m.group(1).replace(' ', '_')}_{m.group(2)} ", text)
    text = _HEX8.sub(_hex8, text)
    return _HEX_SHORT.sub(lambda m: f" err_{m.group(1)} ", text)


def canonicalise(text: str) -> str:
    """Lower-case ``text``, normalise its error codes, and replace every listed variant by its canonical term."""
    lowered = normalise_error_codes(text.lower().replace("’", "'"))
    return _VARIANTS.sub(lambda m: f" {_VARIANT_TO_CANONICAL[m.group(1)]} ", lowered)
