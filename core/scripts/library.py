"""The built-in PowerShell templates every workspace starts with, and the idempotent seeder.

Templates follow the format of ``core.scripts.templates``: ``{{ key }}`` placeholders stand where a PowerShell value
goes (never inside a quoted string or a comment), and every placeholder has one schema entry.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import ScriptCategory, ScriptTemplate

CATEGORIES: list[dict[str, Any]] = [
    {"name": "Active Directory", "description": "User accounts, passwords and group membership.", "sort_order": 1},
    {"name": "Exchange Online", "description": "Mailbox permissions and automatic replies.", "sort_order": 2},
    {"name": "Printing", "description": "Print queues and the spooler service.", "sort_order": 3},
    {"name": "Networking", "description": "Name resolution, connectivity and file shares.", "sort_order": 4},
]


def _p(key: str, label: str, type_: str, help_: str = "", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": key, "label": label, "type": type_, "help": help_, "required": True}
    entry.update(extra)
    return entry


TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "Reset AD user password",
        "category": "Active Directory",
        "problem_domain": "active_directory",
        "keywords": ["password", "reset password", "password reset", "forgot", "expired", "new password"],
        "description": "Resets an on-premises AD password; the new password is typed in when the script runs.",
        "body": """#Requires -Modules ActiveDirectory
$Identity = {{ identity }}
$NewPassword = {{ new_password }}
$MustChange = {{ must_change }}

Set-ADAccountPassword -Identity $Identity -Reset -NewPassword $NewPassword
Set-ADUser -Identity $Identity -ChangePasswordAtLogon $MustChange
Unlock-ADAccount -Identity $Identity
Write-Output "Password reset for $Identity (change at next logon: $MustChange)"
""",
        "parameters_schema": [
            _p(
                "identity", "User (sAMAccountName)", "sam_account_name", "The pre-Windows 2000 logon name, e.g. jsmith."
            ),
            _p("new_password", "New password", "secure_string", "Prompted for when the script runs."),
            _p("must_change", "Must change at next logon", "bool", default=True),
        ],
    },
    {
        "name": "Unlock AD account",
        "category": "Active Directory",
        "problem_domain": "active_directory",
        "keywords": ["locked", "locked out", "lockout", "locking", "locks", "unlock", "account", "bad password"],
        "description": "Shows the lockout state and unlocks the account.",
        "body": """#Requires -Modules ActiveDirectory
$Identity = {{ identity }}

$Properties = 'SamAccountName', 'LockedOut', 'BadLogonCount', 'LastBadPasswordAttempt'
Get-ADUser -Identity $Identity -Properties $Properties | Select-Object $Properties
Unlock-ADAccount -Identity $Identity
Write-Output "Unlocked $Identity"
""",
        "parameters_schema": [
            _p("identity", "User (sAMAccountName)", "sam_account_name", "The pre-Windows 2000 logon name."),
        ],
    },
    {
        "name": "Add user to AD group",
        "category": "Active Directory",
        "problem_domain": "active_directory",
        "keywords": ["group", "add", "member", "access", "permission", "security group", "share access"],
        "description": "Adds a user to a security or distribution group and lists the resulting membership.",
        "body": """#Requires -Modules ActiveDirectory
$Identity = {{ identity }}
$Group = {{ group }}

Add-ADGroupMember -Identity $Group -Members $Identity
Get-ADGroupMember -Identity $Group | Where-Object SamAccountName -eq $Identity
""",
        "parameters_schema": [
            _p("identity", "User (sAMAccountName)", "sam_account_name"),
            _p("group", "Group", "group_name", "The group's name, e.g. Finance-Share-RW."),
        ],
    },
    {
        "name": "Remove user from AD group",
        "category": "Active Directory",
        "problem_domain": "active_directory",
        "keywords": ["group", "remove", "member", "revoke", "access", "leaver"],
        "description": "Removes a user from a group without a confirmation prompt.",
        "body": """#Requires -Modules ActiveDirectory
$Identity = {{ identity }}
$Group = {{ group }}

Remove-ADGroupMember -Identity $Group -Members $Identity -Confirm:$false
Write-Output "Removed $Identity from $Group"
""",
        "parameters_schema": [
            _p("identity", "User (sAMAccountName)", "sam_account_name"),
            _p("group", "Group", "group_name"),
        ],
    },
    {
        "name": "Disable departed user and move to OU",
        "category": "Active Directory",
        "problem_domain": "active_directory",
        "keywords": ["leaver", "offboarding", "disable", "departed", "terminate", "ou"],
        "description": "Disables a leaver's account, stamps a description and moves it to the disabled-users OU.",
        "body": """#Requires -Modules ActiveDirectory
$Identity = {{ identity }}
$TargetOu = {{ target_ou }}
$Note = {{ note }}

Disable-ADAccount -Identity $Identity
Set-ADUser -Identity $Identity -Description $Note
Get-ADUser -Identity $Identity | Move-ADObject -TargetPath $TargetOu
""",
        "parameters_schema": [
            _p("identity", "User (sAMAccountName)", "sam_account_name"),
            _p("target_ou", "Disabled users OU", "ou_path", "e.g. OU=Disabled Users,DC=contoso,DC=local"),
            _p(
                "note",
                "Description",
                "string",
                "Stamped on the account.",
                max_length=200,
                default="Disabled by the service desk",
            ),
        ],
    },
    {
        "name": "Grant mailbox permission",
        "category": "Exchange Online",
        "problem_domain": "exchange",
        "keywords": ["mailbox", "shared mailbox", "full access", "permission", "delegate", "outlook", "access"],
        "description": "Grants a user access to another (often shared) mailbox.",
        "body": """#Requires -Modules ExchangeOnlineManagement
$Mailbox = {{ mailbox }}
$Delegate = {{ delegate }}
$AccessRights = {{ access_rights }}
$AutoMapping = {{ auto_mapping }}

Connect-ExchangeOnline -ShowBanner:$false
Add-MailboxPermission -Identity $Mailbox -User $Delegate -AccessRights $AccessRights -AutoMapping $AutoMapping
Get-MailboxPermission -Identity $Mailbox -User $Delegate
""",
        "parameters_schema": [
            _p("mailbox", "Mailbox", "email", "The mailbox to open, e.g. sales@contoso.com."),
            _p("delegate", "User who gets access", "upn"),
            _p("access_rights", "Access", "choice", choices=["FullAccess", "ReadPermission"], default="FullAccess"),
            _p("auto_mapping", "Show in Outlook automatically", "bool", default=True),
        ],
    },
    {
        "name": "Set out-of-office reply",
        "category": "Exchange Online",
        "problem_domain": "exchange",
        "keywords": ["out of office", "automatic reply", "auto reply", "ooo", "vacation", "holiday", "leave"],
        "description": "Turns on automatic replies for a mailbox with internal and external messages.",
        "body": """#Requires -Modules ExchangeOnlineManagement
$Mailbox = {{ mailbox }}
$InternalMessage = {{ internal_message }}
$ExternalMessage = {{ external_message }}
$Audience = {{ external_audience }}

Connect-ExchangeOnline -ShowBanner:$false
Set-MailboxAutoReplyConfiguration -Identity $Mailbox -AutoReplyState Enabled -InternalMessage $InternalMessage -ExternalMessage $ExternalMessage -ExternalAudience $Audience
Get-MailboxAutoReplyConfiguration -Identity $Mailbox
""",
        "parameters_schema": [
            _p("mailbox", "Mailbox", "email"),
            _p("internal_message", "Reply to colleagues", "string", max_length=1000),
            _p("external_message", "Reply to outside senders", "string", max_length=1000, required=False, default=""),
            _p("external_audience", "Outside senders", "choice", choices=["None", "Known", "All"], default="Known"),
        ],
    },
    {
        "name": "Clear print queue",
        "category": "Printing",
        "problem_domain": "printers",
        "keywords": ["print", "printer", "queue", "stuck", "jobs", "spooler", "not printing"],
        "description": "Removes every job from one printer's queue on a print server or workstation.",
        "body": """$Computer = {{ computer }}
$Printer = {{ printer }}

Get-PrintJob -ComputerName $Computer -PrinterName $Printer | Remove-PrintJob
Get-PrintJob -ComputerName $Computer -PrinterName $Printer | Measure-Object | Select-Object Count
""",
        "parameters_schema": [
            _p("computer", "Computer or print server", "hostname"),
            _p("printer", "Printer name", "string", "As shown in Devices and Printers.", max_length=200),
        ],
    },
    {
        "name": "Restart print spooler",
        "category": "Printing",
        "problem_domain": "printers",
        "keywords": ["spooler", "print", "printer", "restart", "service", "offline"],
        "description": "Restarts the Print Spooler service on a remote computer.",
        "body": """$Computer = {{ computer }}

Invoke-Command -ComputerName $Computer -ScriptBlock { Restart-Service -Name Spooler -Force }
Get-Service -ComputerName $Computer -Name Spooler
""",
        "parameters_schema": [
            _p("computer", "Computer", "hostname"),
        ],
    },
    {
        "name": "Flush DNS cache",
        "category": "Networking",
        "problem_domain": "networking",
        "keywords": ["dns", "flush", "resolve", "name resolution", "website", "cannot reach", "cache"],
        "description": "Clears the DNS client cache on a computer and re-registers its DNS records.",
        "body": """$Computer = {{ computer }}
$Register = {{ register }}

Invoke-Command -ComputerName $Computer -ArgumentList $Register -ScriptBlock {
    param($Register)
    Clear-DnsClientCache
    if ($Register) { Register-DnsClient }
}
""",
        "parameters_schema": [
            _p("computer", "Computer", "hostname"),
            _p("register", "Re-register DNS records", "bool", default=False),
        ],
    },
    {
        "name": "Test network path",
        "category": "Networking",
        "problem_domain": "networking",
        "keywords": [
            "share",
            "unc",
            "network path",
            "mapped drive",
            "file share",
            "cannot access",
            "path",
            "disconnected",
        ],
        "description": "Checks that a UNC path is reachable and SMB (445) answers on its server.",
        "body": """$SharePath = {{ share_path }}
$Server = {{ server }}

$Columns = 'ComputerName', 'RemotePort', 'TcpTestSucceeded'
Test-NetConnection -ComputerName $Server -Port 445 | Select-Object $Columns
Test-Path -LiteralPath $SharePath
""",
        "parameters_schema": [
            _p("share_path", "Share path", "unc_path", r"e.g. \\fs01\finance"),
            _p("server", "File server", "hostname"),
        ],
    },
    {
        "name": "Test TCP port",
        "category": "Networking",
        "problem_domain": "networking",
        "keywords": ["port", "firewall", "connectivity", "tcp", "blocked", "connection refused", "rdp"],
        "description": "Tests whether a TCP port answers on a host (firewall and service checks).",
        "body": """$Target = {{ target }}
$Port = {{ port }}

Test-NetConnection -ComputerName $Target -Port $Port -InformationLevel Detailed
""",
        "parameters_schema": [
            _p("target", "Host", "hostname"),
            _p("port", "Port", "int", min=1, max=65535, default=443),
        ],
    },
]


def _category_map(db: Session, account_id: uuid.UUID | None) -> dict[str, ScriptCategory]:
    owner = ScriptCategory.account_id.is_(None) if account_id is None else ScriptCategory.account_id == account_id
    existing = {c.name: c for c in db.scalars(select(ScriptCategory).where(owner))}
    for spec in CATEGORIES:
        if spec["name"] not in existing:
            category = ScriptCategory(account_id=account_id, **spec)
            db.add(category)
            existing[spec["name"]] = category
    db.flush()
    return existing


def seed_script_templates(db: Session, account_id: uuid.UUID | None = None) -> list[ScriptTemplate]:
    """Create the built-in categories and templates once (global when ``account_id`` is None).

    Running it again adds only what is missing (matched by name), so it is safe on every start; templates an
    admin has since edited are left alone. Returns the library templates, in library order.
    """
    from core.scripts.templates import ensure_valid_template

    categories = _category_map(db, account_id)
    owner = ScriptTemplate.account_id.is_(None) if account_id is None else ScriptTemplate.account_id == account_id
    existing = {t.name: t for t in db.scalars(select(ScriptTemplate).where(owner))}
    result: list[ScriptTemplate] = []
    for spec in TEMPLATES:
        template = existing.get(spec["name"])
        if template is None:
            ensure_valid_template(spec["body"], spec["parameters_schema"])
            template = ScriptTemplate(
                account_id=account_id,
                category_id=categories[spec["category"]].id,
                name=spec["name"],
                description=spec["description"],
                problem_domain=spec["problem_domain"],
                keywords=list(spec["keywords"]),
                body=spec["body"],
                parameters_schema=[dict(p) for p in spec["parameters_schema"]],
                is_active=True,
            )
            db.add(template)
        result.append(template)
    db.flush()
    return result
