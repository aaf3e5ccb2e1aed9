"""Hand-written pairs for the similarity set: the same problem in other vocabularies, and near misses.

``SAME`` pairs say one problem with abbreviations, old product names, error codes with and without ``0x``;
``DIFFERENT`` pairs share the product (and often the abbreviation) but not the problem; ``INTAKE_SAME`` and
``INTAKE_DIFFERENT`` wrap problems in ticket-style intake (requester, device, company, phone, ticket number), the
same problem from different people, and different problems from the same person and laptop.
"""

from __future__ import annotations

SAME: list[tuple[str, str]] = [
    ("Can't join device to Intune, code 0x80180014", "Autopilot enrollment error 80180014"),
    ("Azure AD join fails on new laptop", "Entra ID join failing for a new notebook"),
    ("AAD Connect sync not running", "Azure Active Directory Connect stopped syncing"),
    ("User cannot sign in to Entra ID, AADSTS50076", "Azure AD login fails with AADSTS 50076"),
    ("AVD session disconnects every few minutes", "Azure Virtual Desktop keeps disconnecting the session"),
    ("WVD host pool shows unavailable", "Azure Virtual Desktop session hosts unavailable"),
    ("Cannot connect to WVD from home", "Unable to reach Azure Virtual Desktop from home network"),
    ("MFA prompt not appearing on phone", "2FA notification not showing on the mobile"),
    ("Two-factor codes rejected at sign in", "MFA verification code rejected when logging in"),
    ("User needs MFA reset after new phone", "Reset 2FA for user who got a new phone"),
    ("GPO not applying to laptops", "Group policy not being applied on notebooks"),
    ("Drive mapping GPO missing after login", "Mapped drives from group policy missing after logon"),
    ("Group Policy Object for printers not deploying", "Printer GPO does not deploy"),
    ("ESP stuck on identifying apps", "Enrollment status page hangs at identifying apps"),
    ("Enrolment status page times out during Autopilot", "ESP timeout during Windows Autopilot"),
    ("OST file is corrupt, Outlook won't open", "Outlook cannot open, offline data file corrupted"),
    ("Errors detected in the .ost file", "Outlook says errors have been detected in the offline data file"),
    ("OST too large, Outlook slow", "Offline Outlook data file huge and Outlook sluggish"),
    ("VPN drops every 10 minutes", "Virtual private network connection disconnects every ten minutes"),
    ("Always On VPN not connecting before logon", "AOVPN device tunnel won't connect before sign in"),
    ("SSO to Salesforce failing", "Single sign-on into Salesforce does not work"),
    ("Seamless SSO prompts for credentials", "Single sign on asks for password on domain PCs"),
    ("O365 apps show unlicensed product", "Office 365 apps say unlicensed product"),
    ("M365 activation fails on shared PC", "Microsoft 365 apps cannot activate on shared computer"),
    ("Office 365 password expired cannot log in", "O365 password has expired and user cannot sign in"),
    ("Intune compliance policy shows not compliant", "Endpoint Manager marks device non-compliant"),
    ("MEM app deployment stuck pending", "Intune app install stays pending"),
    ("Microsoft Endpoint Manager enrollment fails 0x80180018", "Intune enrolment error 80180018"),
    ("Windows update fails with 0x80070005", "Windows Update error 80070005 access denied"),
    ("Activation error 0xC004F074", "Windows won't activate, error C004F074"),
    ("Outlook error 0x800CCC0E when sending", "Outlook cannot send mail, 800CCC0E"),
    ("Teams error caa70004 on sign in", "Microsoft Teams login fails with error code CAA70004"),
    ("BSOD after driver update", "Blue screen of death since driver update"),
    ("Laptop blue screens with stop error", "Notebook BSOD with stop code"),
    ("NDR 550 5.1.10 when emailing external contact", "Bounce-back 550 5.1.10 recipient not found for external mail"),
    ("Emails to partner bounced as undeliverable", "NDR when sending e-mail to partner domain"),
    ("Mailbox full, cannot send", "Exchange mailbox over quota and unable to send emails"),
    ("Storage limit exceeded for mailbox", "Mailbox full warning, quota exceeded"),
    ("Locked out of AD account", "Active Directory account lockout"),
    ("Account keeps getting locked out", "User account locked repeatedly"),
    ("SSPR not sending verification code", "Self-service password reset verification code never arrives"),
    ("Password reset portal not working", "SSPR fails when resetting password"),
    ("OneDrive for Business not syncing", "ODFB sync stopped"),
    ("SharePoint Online site access denied", "SPO site says access denied"),
    ("MS Teams camera not working", "Microsoft Teams can't use webcam camera"),
    ("Defender blocking line of business app", "Microsoft Defender quarantines our internal application"),
    ("Authenticator app not receiving push", "MS Authenticator push notifications not arriving"),
    ("Conditional access blocks sign in from home", "CA policy blocking login outside office"),
    ("RDP to server fails", "Remote Desktop connection to server not working"),
    ("Terminal server very slow", "RDS session host sluggish"),
    ("Wi-Fi drops on laptop", "Wireless connection keeps dropping on notebook"),
    ("WLAN not visible after update", "Wifi network not showing after Windows update"),
    ("NIC disabled after update", "Network adapter disabled since update"),
    ("SCCM client not installing updates", "ConfigMgr client fails to install updates"),
    ("MECM software center empty", "Configuration Manager Software Center shows no apps"),
    ("PST file cannot be opened", "Outlook data file (.pst) won't open"),
    ("Can't log in to PC, DC unreachable", "Cannot sign in to computer, domain controller not reachable"),
    ("New starter needs M365 licence", "Onboarding: assign Office 365 license to new hire"),
    ("Leaver: disable account and mailbox", "Offboarding user, disable AD account and mailbox"),
    ("Docking station monitors not detected", "External monitors on dock not detected"),
    ("Second screen flickering on dock", "Monitor connected to docking station flickers"),
    ("EXO mailbox migration stuck", "Exchange Online mailbox move hangs"),
    ("KB5034441 fails to install", "Windows update KB 5034441 install failure"),
    ("Event ID 4625 logon failures on server", "Server logs many failed logons, event 4625"),
    ("AADSTS700016 application not found", "Sign in error AADSTS 700016 app not found in tenant"),
    ("Printer GPO not mapping printers", "Printers from group policy not being mapped"),
    ("Outlook keeps asking for password O365", "Outlook repeatedly prompts for Office 365 credentials"),
    ("Autopilot ESP fails at account setup", "Windows Autopilot enrollment status page error in account setup"),
    ("Hybrid Azure AD join pending", "Hybrid Entra ID join stuck pending"),
    ("2FA SMS codes not received", "MFA text message codes not arriving"),
]

DIFFERENT: list[tuple[str, str]] = [
    ("Can't join device to Intune, code 0x80180014", "Intune app install stays pending"),
    ("Autopilot enrollment error 80180014", "Autopilot profile not assigned to device"),
    ("Azure AD join fails on new laptop", "Azure AD guest user cannot accept invitation"),
    ("AAD Connect sync not running", "AAD password writeback user locked out"),
    ("AVD session disconnects every few minutes", "AVD user profile FSLogix container full"),
    ("WVD host pool shows unavailable", "WVD printer redirection not working"),
    ("MFA prompt not appearing on phone", "MFA registration: user wants to add second phone number"),
    ("User needs MFA reset after new phone", "MFA prompts too often for internal apps"),
    ("GPO not applying to laptops", "GPO sets wrong desktop wallpaper"),
    ("Drive mapping GPO missing after login", "Login script takes ten minutes"),
    ("ESP stuck on identifying apps", "ESP shows wrong company branding"),
    ("OST file is corrupt, Outlook won't open", "Outlook search returns no results"),
    ("Errors detected in the .ost file", "Outlook rules not running on shared mailbox"),
    ("VPN drops every 10 minutes", "VPN connects but internal websites do not load"),
    ("Always On VPN not connecting before logon", "VPN client needs new certificate for split tunnelling change"),
    ("SSO to Salesforce failing", "Salesforce report export times out"),
    ("O365 apps show unlicensed product", "O365 group calendar not visible to members"),
    ("M365 activation fails on shared PC", "M365 admin centre shows service incident for Exchange"),
    ("Intune compliance policy shows not compliant", "Intune wipe a lost phone"),
    ("MEM app deployment stuck pending", "MEM device shows wrong primary user"),
    ("Windows update fails with 0x80070005", "Windows activation error 0xC004F074"),
    ("Outlook error 0x800CCC0E when sending", "Outlook calendar reminders not popping up"),
    ("Teams error caa70004 on sign in", "Teams meeting recording not saved"),
    ("BSOD after driver update", "Driver update needed for fingerprint reader"),
    ("NDR 550 5.1.10 when emailing external contact", "External emails land in junk folder"),
    ("Mailbox full, cannot send", "Shared mailbox permissions missing for new team member"),
    ("Locked out of AD account", "AD account needs new department attribute"),
    ("SSPR not sending verification code", "SSPR registration page shows wrong language"),
    ("OneDrive for Business not syncing", "OneDrive files deleted by mistake need restore"),
    ("SharePoint Online site access denied", "SharePoint Online page layout broken in Edge"),
    ("MS Teams camera not working", "MS Teams status stuck on away"),
    ("Defender blocking line of business app", "Defender definitions out of date on server"),
    ("Authenticator app not receiving push", "Authenticator app lost after phone reset, need new QR code"),
    ("Conditional access blocks sign in from home", "Conditional access report needed for auditors"),
    ("RDP to server fails", "RDP clipboard copy paste not working"),
    ("Terminal server very slow", "Terminal server licence expired"),
    ("Wi-Fi drops on laptop", "Wi-Fi password for guest network needed"),
    ("NIC disabled after update", "NIC teaming configuration on new server"),
    ("SCCM client not installing updates", "SCCM task sequence fails to format disk"),
    ("PST file cannot be opened", "Import PST into Exchange Online archive"),
    ("New starter needs M365 licence", "New starter laptop needs to be ordered"),
    ("Leaver: disable account and mailbox", "Leaver's OneDrive files to be transferred to manager"),
    ("Docking station monitors not detected", "Docking station does not charge laptop"),
    ("EXO mailbox migration stuck", "EXO transport rule adds disclaimer twice"),
    ("KB5034441 fails to install", "KB article needed for printer setup"),
    ("Hybrid Azure AD join pending", "Azure AD dynamic group membership wrong"),
    ("2FA SMS codes not received", "SMS alerts from monitoring system not received"),
    ("Outlook keeps asking for password O365", "Outlook signature missing logo image"),
    ("Printer GPO not mapping printers", "Printer prints blank pages"),
    ("Account keeps getting locked out", "Account needs to be renamed after marriage"),
]

_INTAKE = """Requester: {who}
Company: {company}
Device: {device}
Phone: {phone}
Ticket #{ticket}
{problem}"""

_PEOPLE = [
    ("Jane Doe", "Contoso Ltd", "LAPTOP-7F3K2", "+44 20 7946 0018", 48213),
    ("Rahul Mehta", "Fabrikam Inc", "DESKTOP-A1B2C3", "+1 425 555 0199", 51877),
    ("Marie Dupont", "Northwind Traders", "NW-PC-042", "+33 1 70 18 99 00", 60412),
    ("Tom Becker", "Adventure Works", "LAPTOP-QQ93Z", "+49 30 901820 11", 70031),
]

_INTAKE_PROBLEMS_SAME = [
    ("Outlook keeps prompting for password", "Outlook repeatedly asks for the password again and again"),
    ("Cannot connect to VPN, error 809", "VPN connection fails with error 809"),
    ("Can't join device to Intune, code 0x80180014", "Autopilot enrollment error 80180014"),
    ("OneDrive sync stuck processing changes", "OneDrive is stuck on processing changes and not syncing"),
    ("Printer offline on second floor", "Second floor printer shows as offline"),
    ("BitLocker recovery key prompt at boot", "Laptop asks for BitLocker recovery key on startup"),
    ("Teams camera not detected in meetings", "Microsoft Teams does not detect the camera during meetings"),
    ("Mapped drive disconnected after reboot", "Network mapped drive disconnects after every reboot"),
    ("MFA push notifications not arriving on phone", "Authenticator app not receiving MFA push notifications"),
    ("Email stuck in outbox, not sending", "Emails stay in the outbox and are never sent"),
]

_INTAKE_PROBLEMS_DIFFERENT = [
    ("Outlook keeps prompting for password", "Outlook search returns no results"),
    ("Cannot connect to VPN, error 809", "VPN connects but internal websites do not load"),
    ("Can't join device to Intune, code 0x80180014", "Intune app install stays pending"),
    ("OneDrive sync stuck processing changes", "OneDrive files deleted by mistake need restore"),
    ("Printer offline on second floor", "Printer prints blank pages"),
    ("BitLocker recovery key prompt at boot", "Laptop battery drains quickly"),
    ("Teams camera not detected in meetings", "Teams chat messages not delivered"),
    ("Mapped drive disconnected after reboot", "Access denied writing to file share folder"),
    ("MFA push notifications not arriving on phone", "Conditional access blocks sign-in from home"),
    ("Email stuck in outbox, not sending", "Email signature missing logo image"),
]


def _intake(person: tuple[str, str, str, str, int], problem: str, offset: int) -> str:
    who, company, device, phone, ticket = person
    return _INTAKE.format(who=who, company=company, device=device, phone=phone, ticket=ticket + offset, problem=problem)


def intake_pairs() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Same problem from two different people; two different problems from one person on one laptop."""
    same = [
        (_intake(_PEOPLE[i % 4], a, i), _intake(_PEOPLE[(i + 1) % 4], b, i + 100))
        for i, (a, b) in enumerate(_INTAKE_PROBLEMS_SAME)
    ]
    different = [
        (_intake(_PEOPLE[i % 4], a, i), _intake(_PEOPLE[i % 4], b, i + 1))
        for i, (a, b) in enumerate(_INTAKE_PROBLEMS_DIFFERENT)
    ]
    return same, different
