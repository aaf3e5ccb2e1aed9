"""Demo flows: endpoint, backup and security, plus the flows that reached the library through the flywheel."""

from __future__ import annotations

from demo.dsl import A, E, Q, S, add_escapes, flow

EP_SLOW_BOOT = flow(
    "ep_slow_boot",
    "Laptop slow to boot or sign in",
    "endpoint",
    "Windows takes several minutes from power on to a usable desktop.",
    ["slow boot", "slow login", "slow startup", "welcome screen", "group policy slow"],
    [
        ("Laptop very slow to start", "Takes 10 minutes to get to the desktop."),
        ("Stuck on 'Please wait for the Group Policy Client'", "Sign-in hangs on the Group Policy message."),
    ],
    Q(
        "Where is the time spent: before the sign-in screen, or after entering the password?",
        (
            "Before sign-in",
            A(
                "Check Event Viewer > Diagnostics-Performance (event 100) for the boot time and the slowest driver.",
                ("Driver found", S("Outdated storage / dock driver updated; boot time back under a minute.")),
            ),
        ),
        (
            "After the password",
            Q(
                "Does the Group Policy operational log show a slow extension?",
                (
                    "Yes, drive maps / printers",
                    A(
                        "Remove drive mappings to decommissioned servers from the GPO.",
                        ("Removed", S("Mapping to a retired server removed; sign-in fast again.")),
                    ),
                ),
                (
                    "No",
                    A(
                        "Disable unneeded startup apps in Task Manager and check free disk space.",
                        ("Done", S("Startup apps trimmed; sign-in is quick.")),
                    ),
                ),
            ),
        ),
        escapes=(
            E(
                "Only slow on Mondays after the weekend",
                [
                    "Found Windows Update installing pending cumulative updates at boot",
                    "Moved the update deadline to a lunchtime maintenance window",
                ],
                "Pending updates were installing at first boot of the week; rescheduled the maintenance window.",
            ),
        ),
    ),
    weight=1.0,
)

EP_BITLOCKER = flow(
    "ep_bitlocker",
    "BitLocker recovery key requested",
    "endpoint",
    "The laptop boots to the blue BitLocker recovery screen and asks for the 48-digit key.",
    ["bitlocker", "recovery key", "recovery screen", "48 digit", "tpm"],
    [
        ("BitLocker recovery screen", "Laptop asks for a BitLocker recovery key at start."),
        ("Need BitLocker key", "User after BIOS update is asked for the recovery key."),
    ],
    Q(
        "Has the caller's identity been verified, and is the Key ID shown on screen recorded?",
        (
            "Yes",
            Q(
                "Is the recovery key escrowed in Entra ID / Intune (or AD)?",
                (
                    "Yes",
                    A(
                        "Read the key matching the Key ID from Entra ID > Devices > BitLocker keys and read it to "
                        "the user.",
                        (
                            "Unlocked",
                            A(
                                "After sign-in, suspend and resume protection (manage-bde) so the TPM reseals.",
                                ("Done", S("Device unlocked; TPM protectors resealed.")),
                            ),
                        ),
                        script="Get BitLocker recovery key",
                    ),
                ),
                (
                    "No",
                    S("No key escrowed: the data cannot be recovered. Reimage the device and escalate the escrow gap."),
                ),
            ),
        ),
        ("No", S("Do not read out the key until identity is verified.")),
    ),
    weight=0.8,
)

EP_DISK_FULL = flow(
    "ep_disk_full",
    "Disk full on C:",
    "endpoint",
    "C: drive is almost full: updates fail, apps crash, 'low disk space' warnings.",
    ["disk full", "low disk space", "c drive full", "storage", "free space"],
    [
        ("C drive full", "Low disk space warning, only 1 GB free on C:."),
        ("No space for updates", "Windows Update fails because C: is full."),
    ],
    Q(
        "What is using the space (WinDirStat / Storage settings)?",
        (
            "User files (Downloads, Desktop)",
            A(
                "Enable OneDrive Files On-Demand and move large downloads to OneDrive.",
                ("Moved", S("User files moved to OneDrive online-only; 40 GB freed.")),
            ),
        ),
        (
            "Windows (WinSxS, temp, update cache)",
            A(
                "Run Disk Cleanup > Clean up system files, and DISM /Online /Cleanup-Image /StartComponentCleanup.",
                ("Cleaned", S("System files cleaned; 15 GB freed.")),
            ),
        ),
        (
            "An Outlook OST or Teams cache",
            A(
                "Reduce Outlook's offline window and clear the Teams cache.",
                ("Cleared", S("OST and Teams cache reduced; disk has room again.")),
            ),
        ),
    ),
    weight=0.8,
)

EP_WINDOWS_UPDATE = flow(
    "ep_windows_update",
    "Windows Update fails to install",
    "endpoint",
    "A cumulative update fails with an error code (0x800f0922, 0x80070002, 0x800f081f) or rolls back.",
    ["windows update", "update failed", "0x800f0922", "0x80070002", "0x800f081f", "cumulative update"],
    [
        ("Windows Update keeps failing", "The October cumulative update fails with 0x800f0922."),
        ("Update rolls back", "Undoing changes made to your computer on every restart."),
    ],
    Q(
        "Which error code does Windows Update show?",
        (
            "0x800f0922",
            A(
                "Check free space on the EFI / recovery partition and that the VPN is not blocking the update service.",
                ("Fixed", S("Recovery partition extended; update installed.")),
            ),
        ),
        (
            "0x80070002 / 0x80070003",
            A(
                "Reset the update components: stop wuauserv and bits, rename "
                "SoftwareDistribution and catroot2, start the services.",
                ("Reset", S("Update cache reset; update installed.")),
            ),
        ),
        (
            "0x800f081f",
            A(
                "Run DISM /Online /Cleanup-Image /RestoreHealth then sfc /scannow.",
                ("Repaired", S("Component store repaired; update installed.")),
            ),
        ),
    ),
    weight=0.9,
)

BACKUP_JOB_FAILED = flow(
    "backup_job_failed",
    "Backup job failed",
    "backup",
    "A nightly backup job (Veeam) reports Failed or Warning for one or more machines.",
    ["backup failed", "veeam", "backup job", "vss", "snapshot", "backup warning"],
    [
        ("Backup job failed overnight", "Veeam job NW-FS-Daily failed for NW-FS-01."),
        ("Backup warning VSS", "Backup completed with warning: VSS writer failed."),
        ("Backup repository full", "Job failed: not enough free space on the repository."),
    ],
    Q(
        "What does the job session log say for the failed machine?",
        (
            "VSS error / writer failed",
            A(
                "Run vssadmin list writers on the guest; restart the service behind the failed writer (e.g. SQL "
                "Writer) and retry the job.",
                ("Retried", S("VSS writer reset; retry succeeded.")),
            ),
        ),
        (
            "Repository out of space",
            A(
                "Check retention points and move the oldest backup chains to the capacity tier.",
                ("Space freed", S("Retention trimmed and offloaded; job succeeded on retry.")),
            ),
        ),
        (
            "Cannot connect to host / proxy",
            A(
                "Check the backup proxy service and credentials for the host in the backup infrastructure view.",
                ("Fixed", S("Expired host credentials updated; job succeeded.")),
            ),
        ),
        escapes=(
            E(
                "Changed block tracking error after the VM was migrated to the new host",
                ["Reset CBT on the VM (disable, snapshot, delete snapshot, enable)", "Ran an active full backup"],
                "CBT reset after host migration; the active full succeeded.",
            ),
        ),
    ),
    weight=1.2,
)

SEC_RANSOMWARE = flow(
    "sec_ransomware",
    "Ransomware / EDR alert triage",
    "security",
    "The EDR raised a ransomware or suspicious encryption alert on a device. Contain first, then triage.",
    ["ransomware", "edr alert", "defender alert", "encrypted files", "suspicious process", "malware"],
    [
        (
            "Defender alert: ransomware behaviour",
            "Microsoft Defender for Endpoint raised 'Ransomware behavior detected' on NW-LT-0311.",
        ),
        ("Files renamed with strange extension", "User's files all end in .lockbit and there is a readme."),
    ],
    Q(
        "Is the device isolated from the network yet?",
        (
            "No",
            A(
                "Isolate the device from the Defender portal (Isolate device) or unplug it; do not power it off.",
                (
                    "Isolated",
                    Q(
                        "Are file shares showing newly encrypted files?",
                        (
                            "Yes",
                            S(
                                "Major incident: escalate to the security lead, disable the user account, "
                                "start the ransomware runbook and restore from backup."
                            ),
                        ),
                        (
                            "No",
                            A(
                                "Run a full scan and collect the investigation package.",
                                ("Clean", S("Contained on one device; reimaged after investigation.")),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        (
            "Yes, already isolated",
            Q(
                "Does the alert's process tree show a known admin tool (false positive)?",
                ("Yes", S("Benign: add a narrowly scoped suppression and release the device from isolation.")),
                ("No / unsure", S("Escalate to the security team with the alert ID; keep the device isolated.")),
            ),
        ),
    ),
    weight=0.8,
)

SEC_PHISHING = flow(
    "sec_phishing",
    "Phishing e-mail reported",
    "security",
    "A user reports a suspicious e-mail, or clicked a link / entered credentials.",
    ["phishing", "suspicious email", "clicked link", "spoofed", "report message", "credential harvest"],
    [
        ("Suspicious email", "User forwarded an e-mail asking to 'verify the mailbox'."),
        ("Clicked a phishing link", "User clicked the DocuSign link and typed her password."),
    ],
    Q(
        "Did the user click a link, open an attachment, or enter credentials?",
        (
            "No, only reported it",
            A(
                "Search and purge the message from all mailboxes (Threat Explorer) and block the sender.",
                ("Purged", S("Message purged tenant-wide; sender blocked.")),
            ),
        ),
        (
            "Entered credentials",
            A(
                "Reset the password, revoke sessions (Revoke-MgUserSignInSession), and check inbox rules and MFA "
                "methods for changes.",
                (
                    "Done",
                    Q(
                        "Were rules or MFA methods added by an attacker?",
                        ("Yes", S("Account compromised: escalate to the security team.")),
                        ("No", S("Credentials reset in time; no attacker activity.")),
                    ),
                ),
            ),
        ),
        (
            "Opened an attachment",
            A("Isolate the device and run a full EDR scan.", ("Scanned", S("Scan clean; device released."))),
        ),
    ),
    weight=1.1,
)

SEC_SUSPICIOUS_SIGNIN = flow(
    "sec_suspicious_signin",
    "Risky or impossible-travel sign-in",
    "security",
    "Entra ID Protection flags a risky sign-in or impossible travel for a user.",
    ["risky sign-in", "impossible travel", "identity protection", "unfamiliar location", "compromised account"],
    [
        ("Impossible travel alert", "Sign-in from Lagos 10 minutes after one from Leeds."),
        ("Risky user flagged", "Identity Protection marked the user high risk."),
    ],
    Q(
        "Does the user confirm the sign-in was theirs (travel, VPN, new device)?",
        ("Yes", S("Confirm the sign-in as safe in Identity Protection; dismiss the risk.")),
        (
            "No",
            A(
                "Block sign-in, reset the password, revoke sessions and review the audit log for mailbox rules and "
                "OAuth consents.",
                ("Reviewed", S("Account secured; incident recorded for the security team.")),
            ),
        ),
    ),
    weight=0.7,
)

# Flows that came from the flywheel: approved new_flow proposals (ai_generated) …
EXCHANGE_SHARED_MAILBOX = flow(
    "exchange_shared_mailbox",
    "Shared mailbox not showing in Outlook",
    "exchange",
    "A shared mailbox the user has Full Access to does not appear in Outlook, or sent items go to the wrong folder.",
    ["shared mailbox", "automapping", "full access", "send as", "mailbox not showing"],
    [
        ("Shared mailbox missing", "Accounts@ mailbox disappeared from Outlook."),
        ("Cannot see shared mailbox", "Given access to Support@ yesterday but it doesn't show."),
    ],
    Q(
        "Does the user have Full Access on the mailbox (Exchange admin center > Mailbox delegation)?",
        (
            "No",
            A(
                "Grant Full Access with automapping (Add-MailboxPermission -AutoMapping $true).",
                ("Granted", S("Full Access granted; the mailbox appears after Outlook restarts (up to 60 min).")),
                script="Grant mailbox permission",
            ),
        ),
        (
            "Yes",
            Q(
                "Was access granted through a security group?",
                (
                    "Yes",
                    A(
                        "Automapping does not work for groups: add the mailbox manually under File > Account "
                        "settings > More settings > Advanced.",
                        ("Added", S("Mailbox added manually.")),
                    ),
                ),
                (
                    "No",
                    A(
                        "Remove and re-add the permission to re-trigger automapping.",
                        ("Re-added", S("Automapping re-triggered; mailbox shows.")),
                    ),
                ),
            ),
        ),
    ),
    weight=0.7,
)

NET_MAPPED_DRIVE = flow(
    "net_mapped_drive",
    "Mapped network drive missing or disconnected",
    "networking",
    "A mapped drive (S:, H:) is missing, has a red X, or asks for credentials.",
    ["mapped drive", "network drive", "red x", "s drive", "net use", "file share"],
    [
        ("S: drive missing", "The shared drive S: is not there this morning."),
        ("Network drive red X", "H: drive shows a red X and 'unavailable'."),
    ],
    Q(
        "Can the user open the share by its UNC path (\\\\server\\share)?",
        (
            "Yes",
            A(
                "Re-run the drive mapping (gpupdate /force or the logon script) and sign out / in.",
                ("Mapped", S("Drive re-mapped by Group Policy.")),
            ),
        ),
        (
            "No, access denied",
            A(
                "Check the user's group membership for the share and have them sign out / in to refresh the token.",
                ("Fixed", S("Added to the share's group; access works.")),
            ),
        ),
        ("No, path not found", S("Server or share is down: check the file server and escalate to infrastructure.")),
    ),
    weight=0.8,
)

BACKUP_RESTORE = flow(
    "backup_restore",
    "Restore a deleted file or folder",
    "backup",
    "User deleted or overwrote a file on a share, OneDrive or SharePoint and needs it back.",
    ["restore", "deleted file", "previous version", "recover file", "overwritten"],
    [
        ("Need a file restored", "Deleted the budget spreadsheet from S:\\Finance yesterday."),
        ("Overwrote a document", "Saved over the contract template, need last week's version."),
    ],
    Q(
        "Where was the file stored?",
        (
            "OneDrive / SharePoint",
            A(
                "Restore from the site's recycle bin or Version history.",
                ("Restored", S("File restored from the recycle bin / version history.")),
            ),
        ),
        (
            "File share",
            A(
                "Try Previous Versions (shadow copies) first, else restore from the nightly backup.",
                ("Restored", S("File restored from a shadow copy / backup.")),
            ),
        ),
        ("Local disk only", S("No backup of local disks: explain OneDrive Known Folder Move to the user.")),
    ),
    weight=0.9,
)

OFFBOARDING = {
    "key": "ad_offboarding",
    "name": "Offboard a leaver",
    "domain": "active_directory",
    "description": "Procedure for a leaver: disable, protect data, remove access, keep mail available.",
    "keywords": ["leaver", "offboarding", "disable account", "terminate user"],
    "tree": {
        "steps": [
            {"id": "p1", "action": "Confirm the leaver request with HR and the leaving date on the ticket."},
            {"id": "p2", "action": "Disable the AD account and move it to the Leavers OU."},
            {"id": "p3", "action": "Reset the password and revoke Microsoft 365 sessions."},
            {"id": "p4", "action": "Convert the mailbox to a shared mailbox and grant the manager Full Access."},
            {"id": "p5", "action": "Remove licences and group memberships; record them on the ticket."},
            {"id": "p6", "action": "Collect the laptop and wipe it through Intune."},
        ]
    },
}

# Flows whose current version (2) came from an approved enhancement proposal; their first version lacked the
# last option of their first question with three options.
ENHANCED = ("vpn_no_resources", "net_dns", "exchange_ost", "m365_onedrive")
GENERATED = ("exchange_shared_mailbox", "net_mapped_drive", "backup_restore")

add_escapes(
    EP_BITLOCKER,
    "q1",
    E(
        "Recovery screen appears after every reboot since the docking station firmware update",
        [
            "PCR 7 / Secure Boot measurements change with the dock's Thunderbolt firmware",
            "Suspended BitLocker for two reboots (manage-bde -protectors -disable C: -RebootCount 2)",
        ],
        "Dock firmware changed boot measurements; resealed the TPM after suspending for two reboots.",
    ),
)
add_escapes(
    EP_DISK_FULL,
    "q1",
    E(
        "Hiberfil and pagefile take 40 GB on a 128 GB SSD",
        ["Disabled hibernation (powercfg /h off) per policy for desktops", "Set the pagefile to system managed"],
        "Hibernation file removed on a desktop; 16 GB freed.",
    ),
)
add_escapes(
    EP_WINDOWS_UPDATE,
    "q1",
    E(
        "No error, the update is just not offered",
        ["Checked the Intune update ring: device in a deferred ring", "Moved the device to the broad ring"],
        "Device sat in a 60-day deferral ring; moved it to the right ring.",
    ),
)
add_escapes(
    SEC_RANSOMWARE,
    "q1",
    E(
        "The alert is on a server, not a laptop",
        ["Called the infrastructure on-call before isolating", "Isolated the server after failing over its role"],
        "Server isolated after failover; alert triaged by the SOC.",
    ),
)
add_escapes(
    SEC_PHISHING,
    "q1",
    E(
        "The e-mail came from a real supplier's mailbox (compromised vendor)",
        [
            "Called the supplier on a known number: their mailbox is compromised",
            "Blocked the supplier domain temporarily and warned finance about changed bank details",
        ],
        "Vendor e-mail compromise: supplier warned, domain blocked temporarily, finance alerted.",
    ),
)
add_escapes(
    SEC_SUSPICIOUS_SIGNIN,
    "q1",
    E(
        "User is on a business trip and uses the hotel's VPN-like Wi-Fi",
        ["Confirmed travel with the manager", "Added a named location for the trip duration"],
        "Legitimate travel: confirmed safe and a temporary named location added.",
    ),
)
add_escapes(
    EXCHANGE_SHARED_MAILBOX,
    "q1",
    E(
        "Mailbox shows but sent items land in the user's own Sent folder",
        ["Set MessageCopyForSentAsEnabled on the shared mailbox"],
        "Sent items now copied to the shared mailbox's Sent folder.",
    ),
)
add_escapes(
    NET_MAPPED_DRIVE,
    "q1",
    E(
        "Drive maps fine but says 'network name no longer available' after sleep",
        ["Disabled the SMB client's idle disconnect via autodisconnect", "Updated the NIC driver power settings"],
        "SMB sessions dropped on resume; power settings fixed and the drive stays connected.",
    ),
)
add_escapes(
    BACKUP_RESTORE,
    "q1",
    E(
        "It was a Teams chat file (stored in OneDrive of the sender)",
        ["Found the file in the sender's OneDrive 'Microsoft Teams Chat Files' recycle bin"],
        "Teams chat file restored from the sender's OneDrive recycle bin.",
    ),
)
