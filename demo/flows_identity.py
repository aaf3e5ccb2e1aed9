"""Demo flows: Active Directory, Microsoft 365 and Exchange / Outlook."""

from __future__ import annotations

from demo.dsl import A, E, Q, S, add_escapes, flow

AD_LOCKOUT = flow(
    "ad_lockout",
    "AD account lockout",
    "active_directory",
    "User is locked out of their domain account, once or repeatedly. Finds the lockout source before unlocking.",
    ["locked out", "account locked", "lockout", "event 4740", "bad password", "cannot log in"],
    [
        ("Account locked out again", "User says their account keeps locking every morning since the password change."),
        ("Cannot log in - account is locked", "Windows says the referenced account is currently locked out."),
        ("Locked out after holiday", "Back from leave, tried the old password a few times, now locked out."),
    ],
    Q(
        "Is this the first lockout today, or does the account lock again after being unlocked?",
        (
            "First lockout, user mistyped the password",
            A(
                "Unlock the account in Active Directory Users and Computers (Account tab > Unlock account) "
                "or with Unlock-ADAccount, then confirm the user signs in with the current password.",
                ("Signed in", S("Account unlocked; user signed in with the current password.")),
                script="Unlock AD account",
            ),
        ),
        (
            "It locks again within minutes",
            Q(
                "Does event 4740 on the PDC emulator show a caller computer name for the lockout?",
                (
                    "Yes, a workstation or server",
                    Q(
                        "What is running on that caller computer with the old password?",
                        (
                            "Mapped drive or saved credential",
                            A(
                                "On the caller computer remove stale entries in Credential Manager and re-map "
                                "drives with the new password.",
                                ("Cleared", S("Stale saved credential removed; lockouts stopped.")),
                            ),
                        ),
                        (
                            "A service or scheduled task",
                            A(
                                "Update the service / scheduled task logon password (or move it to a managed "
                                "service account) and restart it.",
                                ("Updated", S("Service account password updated; no further 4740 events.")),
                            ),
                        ),
                        (
                            "Phone or tablet syncing mail",
                            A(
                                "Update the password in the mail app on the mobile device, or remove and re-add "
                                "the account.",
                                ("Updated", S("Mobile device was retrying the old password; lockouts stopped.")),
                            ),
                        ),
                    ),
                ),
                (
                    "No caller computer / it is an Exchange or ADFS server",
                    A(
                        "Check Entra ID sign-in logs and the ADFS extranet lockout log for the user: this is "
                        "usually a password-spray or an old device outside the network.",
                        (
                            "Source found",
                            S("External source identified and blocked; smart lockout / extranet lockout tuned."),
                        ),
                    ),
                ),
            ),
        ),
    ),
    weight=1.6,
)

AD_PASSWORD_RESET = flow(
    "ad_password_reset",
    "Password reset and expired password",
    "active_directory",
    "User forgot the password or it expired. Verifies identity, resets, and covers remote users on cached credentials.",
    ["password reset", "forgot password", "password expired", "reset password", "change password"],
    [
        ("Password expired", "User's password expired overnight and they cannot sign in."),
        ("Forgot password", "Requester forgot their password after a long weekend."),
        ("Reset password please", "New starter never received the initial password."),
    ],
    Q(
        "Has the caller's identity been verified by the callback procedure?",
        (
            "Yes",
            Q(
                "Is the user in the office (on the domain network) or remote?",
                (
                    "In the office",
                    A(
                        "Reset the password in ADUC with 'User must change password at next logon' ticked, and "
                        "give the temporary password by phone.",
                        ("Done", S("Password reset; user set a new password at logon.")),
                        script="Reset AD password",
                    ),
                ),
                (
                    "Remote, on VPN",
                    A(
                        "Reset the password without forcing a change, have the user connect the VPN with the new "
                        "password, then lock and unlock Windows to refresh cached credentials.",
                        ("Done", S("Password reset; cached credentials refreshed over VPN.")),
                        script="Reset AD password",
                    ),
                ),
                (
                    "Remote, no VPN access",
                    A(
                        "Reset the password and let Entra Connect sync it (password hash sync, ~2 minutes); the "
                        "user signs in to Microsoft 365 with the new password and Windows later when on VPN.",
                        ("Done", S("Password reset and synced to Microsoft 365; Windows cache updates on VPN.")),
                    ),
                ),
            ),
        ),
        (
            "No, cannot verify",
            S("Do not reset. Ask the user's manager to confirm the request and log it on the ticket."),
        ),
        escapes=(
            E(
                "User is enrolled in SSPR, wanted to do it themselves but the link errors",
                [
                    "Checked the user's SSPR registration in Entra ID: phone number outdated",
                    "Updated the authentication phone and had the user retry aka.ms/sspr",
                ],
                "User reset the password through SSPR after their authentication phone was updated.",
            ),
        ),
    ),
    weight=1.8,
)

AD_TRUST = flow(
    "ad_trust",
    "Trust relationship between workstation and domain failed",
    "active_directory",
    "Sign-in fails with 'The trust relationship between this workstation and the primary domain failed'.",
    ["trust relationship", "secure channel", "domain join", "primary domain failed"],
    [
        (
            "Trust relationship failed",
            "Laptop shows 'the trust relationship between this workstation and the primary domain failed' at sign-in.",
        ),
        ("Cannot log on after reimage", "Restored PC from an old image, now domain logon fails."),
    ],
    Q(
        "Can you sign in with a local administrator account (LAPS password)?",
        (
            "Yes",
            A(
                "Run Test-ComputerSecureChannel -Repair -Credential <domain admin> in an elevated PowerShell.",
                (
                    "Returns True",
                    S("Secure channel repaired; the user signs in with the domain account after a reboot."),
                ),
            ),
        ),
        (
            "No local admin available",
            A(
                "Disconnect the network cable, sign in with cached domain credentials, then repair the secure "
                "channel from an elevated prompt while reconnected.",
                ("Repaired", S("Signed in with cached credentials and repaired the secure channel.")),
            ),
        ),
    ),
    weight=0.6,
)

M365_SIGNIN_BLOCKED = flow(
    "m365_signin_blocked",
    "Microsoft 365 sign-in blocked",
    "m365",
    "User sees 'Your account has been locked' or 'sign-in blocked' when signing in to Microsoft 365.",
    ["sign-in blocked", "account blocked", "aadsts50053", "aadsts50057", "microsoft 365 login", "conditional access"],
    [
        ("Cannot sign in to Office 365", "Gets 'Your account has been locked. Contact your support person'."),
        ("AADSTS50057 at login", "User account is disabled error when opening Teams."),
        ("Blocked by conditional access", "Sign-in works in the office but not from home."),
    ],
    Q(
        "What does the Entra ID sign-in log show as the failure reason?",
        (
            "AADSTS50053 account locked (smart lockout)",
            A(
                "Confirm the attempts came from the user (IP, location); wait for the lockout to expire or reset "
                "the password and revoke sessions.",
                ("Done", S("Smart lockout cleared after a password reset and session revoke.")),
            ),
        ),
        (
            "AADSTS50057 account disabled",
            Q(
                "Is the account disabled on purpose (leaver, security block)?",
                (
                    "No, in error",
                    A(
                        "Set 'Block sign-in' to off in the admin center (or enable in on-prem AD and sync).",
                        ("Done", S("Sign-in unblocked; user signed in.")),
                    ),
                ),
                ("Yes, security block", S("Leave blocked; route to the security team with the sign-in log.")),
            ),
        ),
        (
            "AADSTS53003 blocked by Conditional Access",
            A(
                "Open the failed sign-in, Conditional Access tab, and see which policy failed (location, device "
                "compliance, MFA).",
                ("Policy identified", S("Device made compliant / location added; Conditional Access satisfied.")),
            ),
        ),
        escapes=(
            E(
                "No failure in the sign-in log at all, the error comes from a different tenant",
                [
                    "Had the user sign out of all Office apps and clear the Work or school account in Settings",
                    "Removed the guest tenant entry from the browser profile",
                ],
                "User was signing in to a guest tenant; cleared the stale account and signed in to the right tenant.",
            ),
        ),
    ),
    weight=1.2,
)

M365_MFA = flow(
    "m365_mfa",
    "MFA: new phone, lost phone or no prompt",
    "m365",
    "User cannot complete multi-factor authentication: new or lost phone, no push notification.",
    ["mfa", "authenticator", "multi-factor", "new phone", "lost phone", "push notification", "2fa"],
    [
        ("New phone, MFA not working", "Got a new phone, Authenticator app has no account."),
        ("Lost phone, cannot sign in", "Left phone in a taxi; cannot approve sign-ins."),
        ("No MFA prompt arrives", "Authenticator never shows the approval request."),
    ],
    Q(
        "Does the user still have the phone that is registered for MFA?",
        (
            "No, new or lost phone",
            A(
                "Verify identity, then in Entra ID > user > Authentication methods 'Require re-register MFA' and "
                "issue a Temporary Access Pass.",
                (
                    "TAP issued",
                    S("User registered the new phone at aka.ms/mysecurityinfo with the Temporary Access Pass."),
                ),
            ),
        ),
        (
            "Yes, but no push arrives",
            Q(
                "Does the code shown in the Authenticator app work instead of the push?",
                ("Yes", S("Notifications were disabled for Authenticator; re-enabled them in phone settings.")),
                (
                    "No",
                    A(
                        "Remove the account from Authenticator and re-add it from My Sign-Ins.",
                        ("Re-added", S("Authenticator re-registered; pushes arrive.")),
                    ),
                ),
            ),
        ),
    ),
    weight=1.3,
)

M365_TEAMS = flow(
    "m365_teams",
    "Teams will not sign in or start",
    "m365",
    "Microsoft Teams (new Teams) is stuck on the loading screen, loops at sign-in, or shows an error code.",
    ["teams", "new teams", "teams sign in", "teams loading", "teams crash", "caa20002"],
    [
        ("Teams stuck loading", "New Teams spins on the purple screen forever."),
        ("Teams sign-in loop", "Teams keeps asking to sign in again every time."),
        ("Teams error caa20002", "Teams shows error code caa20002 at start."),
    ],
    Q(
        "Does Teams on the web (teams.microsoft.com) work for the user?",
        (
            "Yes, web works",
            Q(
                "Is it the new Teams client?",
                (
                    "Yes",
                    A(
                        "Reset new Teams: Settings > Apps > Microsoft Teams > Advanced options > Reset.",
                        ("Reset", S("Teams cache reset; the client signs in.")),
                    ),
                ),
                (
                    "No, classic Teams",
                    A(
                        "Uninstall classic Teams and deploy new Teams via the Teams bootstrapper.",
                        ("Installed", S("Moved the user to new Teams; works.")),
                    ),
                ),
            ),
        ),
        (
            "No, web fails too",
            S("Account problem, not the client: follow the Microsoft 365 sign-in blocked flow."),
        ),
    ),
    weight=1.0,
)

M365_ONEDRIVE = flow(
    "m365_onedrive",
    "OneDrive sync errors",
    "m365",
    "OneDrive shows a red X, 'sync pending' forever, or an error code; files do not sync.",
    ["onedrive", "sync", "sync error", "red x", "0x8004de40", "files on demand", "sync pending"],
    [
        ("OneDrive not syncing", "OneDrive icon has a red cross and files are stuck at sync pending."),
        ("OneDrive error 0x8004de40", "Cannot sign in to OneDrive, error code 0x8004de40."),
        ("Files missing from OneDrive", "Saved files on desktop do not appear on other PC."),
    ],
    Q(
        "What does the OneDrive icon / activity center show?",
        (
            "An error code (0x8004...)",
            A(
                "0x8004de40 / 0x8004de90 are connectivity or TLS problems: check proxy settings and that TLS 1.2 is "
                "enabled in Internet Options.",
                ("Fixed", S("Proxy bypass added / TLS 1.2 enabled; OneDrive signed in and synced.")),
            ),
        ),
        (
            "Files with a red X",
            A(
                "Open 'View sync problems': rename files with invalid characters or paths over 400 characters.",
                ("Renamed", S("Invalid names and long paths fixed; sync completed.")),
            ),
        ),
        (
            "Sync pending forever",
            A(
                "Reset OneDrive: %localappdata%\\Microsoft\\OneDrive\\onedrive.exe /reset, then start it again.",
                ("Reset", S("OneDrive reset; sync caught up within an hour.")),
            ),
        ),
        escapes=(
            E(
                "Storage full: OneDrive says it is out of space",
                [
                    "Checked the user's OneDrive storage in the admin center: 1 TB used by a camera upload folder",
                    "Moved the camera folder to a SharePoint archive library",
                ],
                "OneDrive quota was full; moved old media to an archive library and sync resumed.",
            ),
            E(
                "Sync stuck on a SharePoint library with 300,000 items",
                [
                    "Confirmed the library exceeds the 300k item sync guidance",
                    "Stopped syncing the whole library and added a shortcut to the two folders the user needs",
                ],
                "Library too large to sync; replaced the full sync with shortcuts to the needed folders.",
            ),
        ),
    ),
    weight=1.4,
)

EXCHANGE_OUTLOOK_PROMPTS = flow(
    "exchange_outlook_prompts",
    "Outlook keeps prompting for credentials",
    "exchange",
    "Outlook for Microsoft 365 repeatedly asks for a password, or the prompt appears at every start.",
    ["outlook", "password prompt", "credentials", "modern authentication", "keeps asking password"],
    [
        ("Outlook keeps asking for password", "Outlook pops up the sign-in window every few minutes."),
        (
            "Password prompt at every start",
            "Outlook asks for the password every time it opens, after a password change.",
        ),
        ("Outlook credential loop", "Enters the password, the prompt comes straight back."),
    ],
    Q(
        "Does the prompt come back after the user enters the correct password?",
        (
            "Yes, it loops",
            Q(
                "Is the tenant's Modern Authentication enabled (and is the registry key "
                "EnableADAL/DisableADALatopWAMOverride absent)?",
                (
                    "Yes",
                    A(
                        "Remove Outlook/Office entries from Windows Credential Manager and sign out of all "
                        "Office apps (File > Account > Sign out).",
                        ("Cleared", S("Cached credentials cleared; Outlook signed in once and stopped prompting.")),
                    ),
                ),
                (
                    "No / registry override present",
                    A(
                        "Remove the override registry values and restart Outlook.",
                        ("Removed", S("Outlook uses modern authentication again; no more prompts.")),
                    ),
                ),
            ),
        ),
        (
            "Only once, after a password change",
            S("Expected behaviour after a password change: sign in once with the new password."),
        ),
        escapes=(
            E(
                "Only happens on the RDS server, works on the laptop",
                [
                    "Checked the RDS host: Office activated with shared computer activation but WAM disabled by GPO",
                    "Removed the GPO that disabled the Web Account Manager on the RDS hosts",
                ],
                "A GPO disabled WAM on the RDS hosts; removed it and Outlook stopped prompting on RDS.",
            ),
        ),
    ),
    weight=1.5,
)

EXCHANGE_OST = flow(
    "exchange_ost",
    "Outlook OST file errors",
    "exchange",
    "Outlook will not open: 'the file ...ost is not an Outlook data file', 'cannot open your default e-mail "
    "folders', or the OST is corrupt or huge.",
    ["ost", "outlook data file", "cannot open default email folders", "corrupt ost", "scanpst"],
    [
        ("Outlook will not open", "Error: cannot start Microsoft Outlook. Cannot open the set of folders."),
        ("OST is not an Outlook data file", "Outlook says the .ost file is not an Outlook data file."),
    ],
    Q(
        "Which error does Outlook show at start?",
        (
            "The .ost is not an Outlook data file / corrupt",
            A(
                "Close Outlook, rename the .ost under %localappdata%\\Microsoft\\Outlook and start Outlook to "
                "re-download the mailbox.",
                ("Rebuilt", S("OST rebuilt from the server; Outlook opens.")),
            ),
        ),
        (
            "Cannot open the set of folders",
            A(
                "Create a new Outlook profile in Control Panel > Mail > Show Profiles and set it as default.",
                ("New profile works", S("New Outlook profile created; mailbox opens.")),
            ),
        ),
        (
            "OST is over 50 GB",
            A(
                "Reduce 'Mail to keep offline' to 1 year in the account settings and let Outlook rebuild the OST.",
                ("Reduced", S("Cached mode window shortened; OST back under 10 GB and Outlook responsive.")),
            ),
        ),
    ),
    weight=0.9,
)

EXCHANGE_MAILBOX_FULL = flow(
    "exchange_mailbox_full",
    "Mailbox full / storage limit exceeded",
    "exchange",
    "User receives 'your mailbox is full' or 'you have exceeded the storage limit' and cannot send mail.",
    ["mailbox full", "storage limit", "quota", "cannot send", "archive", "mailbox size"],
    [
        ("Mailbox full", "Getting 'Your mailbox is full' and cannot send e-mails."),
        ("Exceeded storage limit", "Outlook says: you have exceeded the storage limit for your mailbox."),
    ],
    Q(
        "Does the user have an online archive (In-Place Archive) enabled?",
        (
            "Yes",
            A(
                "Check the retention policy moves items to the archive (Start-ManagedFolderAssistant) and move old "
                "folders to the archive now.",
                ("Moved", S("Archive policy applied; mailbox below the warning quota.")),
            ),
        ),
        (
            "No",
            Q(
                "Is the licence Exchange Online Plan 1 (50 GB) or Plan 2 / E3 / E5 (100 GB)?",
                (
                    "Plan 1",
                    A(
                        "Enable the online archive and apply the 2-year archive policy.",
                        ("Enabled", S("Online archive enabled; old mail moved off the primary mailbox.")),
                    ),
                ),
                (
                    "Plan 2 / E3 / E5",
                    A(
                        "Enable the archive (auto-expanding) and empty Recoverable Items if it is the largest folder.",
                        ("Done", S("Archive enabled; mailbox has room again.")),
                    ),
                ),
            ),
        ),
    ),
    weight=0.8,
)

EXCHANGE_NDR = flow(
    "exchange_ndr_550_5_1_10",
    "NDR 550 5.1.10 recipient not found",
    "exchange",
    "Sender gets a bounce 550 5.1.10 RESOLVER.ADR.RecipientNotFound when mailing an internal or external address.",
    ["ndr", "550 5.1.10", "recipientnotfound", "bounce", "undeliverable", "non-delivery"],
    [
        ("Email bounced 550 5.1.10", "Mails to a colleague bounce with 550 5.1.10 RESOLVER.ADR.RecipientNotFound."),
        ("Undeliverable message", "Getting undeliverable for a customer address since yesterday."),
    ],
    Q(
        "Is the recipient in your own organization?",
        (
            "Yes, internal",
            Q(
                "Was the recipient's mailbox recently recreated or renamed?",
                (
                    "Yes",
                    A(
                        "Clear the sender's Outlook AutoComplete entry for the recipient (the cached "
                        "X500/LegacyExchangeDN is stale).",
                        ("Cleared", S("Stale nickname cache entry removed; mail delivered.")),
                    ),
                ),
                (
                    "No",
                    A(
                        "Check the address exists as a primary or proxy SMTP address; add it as an alias if it was "
                        "removed.",
                        ("Alias added", S("Missing proxy address restored; mail delivered.")),
                    ),
                ),
            ),
        ),
        (
            "No, external",
            S("The recipient's server rejected the address: confirm the spelling with the recipient by phone."),
        ),
        escapes=(
            E(
                "Recipient is a mail-enabled public folder migrated last week",
                [
                    "Found the public folder lost its SMTP address during migration",
                    "Re-added the address with Set-MailPublicFolder -EmailAddresses",
                ],
                "Public folder SMTP address restored after migration; mail delivered.",
            ),
        ),
    ),
    weight=0.7,
)

add_escapes(
    AD_TRUST,
    "q1",
    E(
        "It is an Azure AD joined laptop, not domain joined at all",
        ["Checked dsregcmd /status: AzureAdJoined YES, DomainJoined NO", "Signed in with the user's UPN instead"],
        "User typed NORTHWIND\\user on an Entra-joined laptop; signing in with the UPN works.",
    ),
)
add_escapes(
    M365_MFA,
    "q1",
    E(
        "User has no smartphone at all",
        ["Agreed a FIDO2 security key with the manager", "Registered a YubiKey with a Temporary Access Pass"],
        "No smartphone: registered a FIDO2 security key as the MFA method.",
    ),
)
add_escapes(
    M365_TEAMS,
    "q1",
    E(
        "Teams only fails on the RDS / Citrix desktop",
        [
            "Confirmed new Teams is not installed per machine on the session host",
            "Installed new Teams machine-wide with teamsbootstrapper -p and enabled the VDI optimisation",
        ],
        "New Teams was missing on the session hosts; installed it machine-wide.",
    ),
)
add_escapes(
    EXCHANGE_OST,
    "q1",
    E(
        "Outlook crashes while loading profile, no error text",
        [
            "Started Outlook in safe mode (outlook /safe): it opens",
            "Disabled the old CRM add-in in File > Options > Add-ins",
        ],
        "A COM add-in crashed Outlook at start; disabled it.",
    ),
)
add_escapes(
    EXCHANGE_MAILBOX_FULL,
    "q1",
    E(
        "Mailbox is small, but Recoverable Items is at 100 GB because of a litigation hold",
        ["Confirmed the litigation hold with legal", "Enabled auto-expanding archiving so held items move"],
        "Litigation hold filled Recoverable Items; auto-expanding archive enabled.",
    ),
)

add_escapes(
    AD_LOCKOUT,
    "q1",
    E(
        "Locks again, 4740 names the RDS gateway: user has a disconnected session on an old terminal server",
        [
            "Logged off the user's disconnected session on NW-RDS-02 with quser / logoff",
            "Unlocked the account and watched the PDC security log for 15 minutes",
        ],
        "Disconnected RDS session was still using the old password; logged it off.",
    ),
)
