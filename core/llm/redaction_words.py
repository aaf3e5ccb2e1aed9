"""The word lists that keep redaction off troubleshooting knowledge (used by ``core.llm.redaction``).

Each list answers one question the patterns cannot: is this host public, is this ``X\\y`` a registry path, is this
hyphenated token a standard or a product rather than a machine, is this field value a word rather than a name.
"""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    """The set of the space-separated words of ``text`` (long lists read better as one string)."""
    return frozenset(text.split())


# What a placeholder looks like: redaction writes it, restore reads it, and no list or pattern may touch it.
PLACEHOLDER_RE = re.compile(r"<([A-Z]+)_(\d+)>")

# Suffixes that mark an address or host as internal to a customer's directory rather than a mailbox on the internet.
INTERNAL_SUFFIXES = ("local", "lan", "corp", "internal", "intra", "ad", "home", "localdomain", "onmicrosoft.com")
TLDS = (
    "com|net|org|edu|gov|mil|int|io|co|uk|us|ca|au|nz|de|fr|nl|be|ch|at|se|no|dk|fi|ie|es|it|pt|pl|cz|in|jp|"
    "biz|info|eu|app|dev|cloud|local|lan|corp|internal|intra|ad|home|localdomain|example"
)
# Hosts of public services: mentioning them is troubleshooting knowledge, not customer data.
PUBLIC_DOMAINS = (
    "microsoft.com",
    "microsoftonline.com",
    "office.com",
    "office365.com",
    "office.net",
    "outlook.com",
    "live.com",
    "windows.net",
    "windows.com",
    "windowsupdate.com",
    "azure.com",
    "azure.net",
    "sharepoint.com",
    "onedrive.com",
    "skype.com",
    "lync.com",
    "teams.microsoft.com",
    "msftauth.net",
    "manage.microsoft.com",
    "google.com",
    "googleapis.com",
    "gmail.com",
    "apple.com",
    "icloud.com",
    "amazonaws.com",
    "cloudflare.com",
    "github.com",
    "zoom.us",
    "webex.com",
    "adobe.com",
    "dropbox.com",
    "example.com",
    "example.org",
    "example.net",
    # Microsoft's example companies, used in its documentation and in instructions.
    "contoso.com",
    "fabrikam.com",
    "adatum.com",
    "litwareinc.com",
    "northwindtraders.com",
    "wingtiptoys.com",
    "tailspintoys.com",
    "woodgrovebank.com",
)
# Left side of "X\\y" that names a registry hive, a well-known principal or a folder, never a user's domain.
NOT_DOMAINS = words(
    "hklm hkcu hkcr hku hkcc hkey_local_machine hkey_current_user hkey_classes_root hkey_users hkey_current_config "
    "builtin nt authority service apppool system32 syswow64 windows users appdata programdata software system microsoft temp "
    "drivers etc n t r"
)
# Upper-case hyphenated tokens with digits that are standards, not machines.
NOT_HOSTS = re.compile(
    r"^(?:SHA|AES|UTF|ISO|RFC|TLS|SSL|MD|RSA|DES|IEC|CVE|KB|MS|WPA|WPA2|IPV|X|COVID|HTTP|IEEE|CAT|USB|HDMI|DDR|"
    r"PCI|PCIE|M|AX|AC|IP|TCP|UDP|MP|H|WIN32|WOW|OFFICE|NTFS|FAT|EXFAT|EFI|UEFI|BIOS|TPM|DFS|SMB|RDP|VPN|L2TP|"
    r"GPT|MBR|ID|REQ|INC|CHG|RITM|TASK|PRB|SR|CASE|TICKET|PO|INV|ORD|QUOTE|WO|(?:DDR|PCIE|USB|HDMI|LPDDR|GDDR|WIFI|DP)\d|Q[1-4]|H[12]|FY\d*)-",
)
# First part of a lower- or mixed-case hyphenated token that makes it a product, standard, date or counter
# ("windows-11", "covid-19", "feb-02", "room-012"), never a machine.
NOT_HOST_PREFIXES = words(
    "sha aes utf iso rfc tls ssl md rsa des iec cve kb ms wpa wpa2 ipv x covid http https ieee cat usb hdmi ddr "
    "pci pcie mp h win win32 windows wow office microsoft ntfs fat exfat efi uefi bios tpm dfs smb rdp vpn l2tp gpt "
    "mbr id req inc chg ritm task prb sr case ticket wi version ver v build rev release sprint step top page line "
    "level tier phase part chapter section room floor ext port vlan error code event day week q fy p sev x86 x64 "
    "amd64 arm64 rj rs e i core gen ryzen gtx rtx intel amd server sql exchange outlook teams intune autopilot "
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september "
    "october november december utc gmt"
)
# A hyphen-separated part that is an architecture, a version, a size or a unit rather than a machine number.
NOT_HOST_PART = re.compile(
    r"x64|x86|amd64|arm64|i\d86|kb\d+|o365|m365|ipv[46]|utf\d+|sha\d+|md\d|h26[45]|win\d+|aes\d+|rs232|\d{2}h\d|"
    r"v\d+|\d+(?:st|nd|rd|th)|0x[0-9a-f]+|[a-z]*(?:19|20)\d\d|"
    r"\d+(?:k|kb|mb|gb|tb|hz|khz|mhz|ghz|ms|px|dpi|mbps|gbps|bit|bits|fps|p|w|v|mah|in|inch)"
)
# Ticket numbers, knowledge-base articles and product codes that look like a vendor serial number.
NOT_SERIALS = re.compile(
    r"^(?:KB|CVE|INC|REQ|RITM|CHG|PRB|TASK|SR|CASE|MS|ISO|RFC|OFFICE|WINDOWS|WIN|M365|O365|SHA|AADSTS|ERR|ERROR|EVENT)"
)
# Values of a "user:" / "customer:" field that are words, not a person or a company.
NOT_NAMES = words(
    "the a an n/a na none nobody unknown all any anyone everyone admin administrator administrators user users "
    "guest test tester system service support helpdesk it me my him her them us we you he she they not no yes is "
    "was has had cannot can't tbd self same local domain multiple various internal external default new old "
    "please see below above same also same-as-above customer client company end requester caller contact engineer "
    "outlook teams windows office chrome edge firefox safari vpn anyconnect forticlient globalprotect citrix rdp "
    "browser desktop mobile web app android ios mac macos linux email e-mail mail onedrive sharepoint exchange "
    "intune autopilot zoom webex slack dns dhcp ssh sftp ftp smtp imap pop3 ldap ad azure entra sso mfa laptop pc "
    "computer workstation printer phone iphone ipad tablet surface macbook thinkpad localhost"
)
# Parts of a known person's name ("Grant" of "Oliver Grant") that are ordinary words too: only the full name is
# searched for them, so "Grant the user access" stays.
COMMON_WORDS = words(
    "will mark bill grant sue pat guy drew miles may june april august rose frank rich chase hope joy faith grace "
    "max ray dawn summer sky "
    "brown white black green gray grey king long young hill wood woods field park lane ford cook baker mason "
    "hunter porter walker turner fisher bell page hall stone rice price cash love holiday christmas norman "
    "admin support service desk help team engineer user test flowpilot microsoft windows office outlook teams "
    "server host device laptop printer network account manager owner analyst viewer lead bot system the and"
)


# Vendors, products and the capitalised words of their names and screens, which a person's name written in prose
# ("locked for editing by …", "… from <company>") is never taken to hold.
PRODUCT_WORDS = words(
    "microsoft defender security update updates center centre admin portal console manager management adobe acrobat "
    "reader google apple dell lenovo hp cisco fortinet sophos crowdstrike sentinelone symantec norton mcafee eset "
    "bitdefender kaspersky malwarebytes veeam datto connectwise ninja kaseya vmware citrix hyper zoom slack dropbox "
    "box salesforce sage xero quickbooks power automate bi flow store sync client agent cloud online server services "
    "policy group task scheduler explorer file files folder excel word powerpoint onenote access publisher visio "
    "project planner forms lists bookings viva yammer stream defender entra azure intune autopilot office "
    "tier line level queue department dept accounts payable receivable finance payroll reception sales marketing "
    "operations first second third helpdesk event viewer "
    "point palo alto watchguard barracuda mimecast proofpoint knowbe4 okta duo lastpass bitwarden keeper zscaler "
    "netskope jamf kandji addigy solarwinds auvik hudu halo autotask freshdesk zendesk servicenow jira confluence "
    "atlassian github gitlab aws amazon oracle sap workday xero myob intuit screenconnect teamviewer anydesk splashtop "
    "mimecast egress sonicwall fortigate fortinet meraki aruba ubiquiti unifi synology qnap "
    "zbook elitebook probook elitedesk thinkpad thinkcentre ideapad yoga latitude optiplex precision xps inspiron "
    "vostro envy pavilion spectre macbook imac ipad iphone galaxy pixel"
)
# Verbs an instruction or a sentence starts with, capitalised there ("Ask Kevin Wong at …", "Open Device Manager").
INSTRUCTION_WORDS = words(
    "ask tell call check open run restart reboot set add remove please contact email ping see let have get make try "
    "use install uninstall update enable disable verify confirm reset clear delete create assign grant give send go "
    "click select type press sign log note hi hello dear thanks regards also then next first after before once when "
    "if while since until because but and or so our your their my his her its this that these those there here "
    "what who whom whose where why how which it he she they everyone everybody someone somebody nobody something "
    "everything nothing anyone anybody today tonight"
)

# Days and months, capitalised like names ("Monday's update", "since March").
CALENDAR_WORDS = words(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
    "january february march april may june july august september october november december jan feb mar apr jun "
    "jul aug sep sept oct nov dec today tomorrow yesterday tonight morning afternoon evening"
)

# Names that stand for "a server" in instructions (``\\server\share``, ``\\fileserver\share``): a reader's example,
# not a customer's machine.
EXAMPLE_HOSTS = words(
    "server servername server-name fileserver file-server fs nas host hostname computer computername pc machine "
    "share sharename domain dc yourserver myserver printserver print-server"
)


def is_public_host(host: str) -> bool:
    """True for a public service's host (``login.microsoftonline.com``): troubleshooting knowledge, not customer data."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in PUBLIC_DOMAINS)
