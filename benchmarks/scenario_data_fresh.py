"""A third set of troubleshooting sessions for ``benchmarks.scenarios`` (``--set fresh``).

Written without looking at how the flywheel matches, on problems neither of the other two sets has: BitLocker
recovery prompts, Intune compliance, Excel crashing, mapped drives, Windows Hello PINs and Defender quarantines; the
published flows are SharePoint access, a branch office off the network and a printer shown offline. The assistant
asks the same things in the same order on one route but never in the same words: questions are reordered or turned
round ("Does it crash in safe mode too?" for "Does Excel start in safe mode?"), options read "Yep" / "Nope, credential
prompt" / "No – not yet", and some answers are typed as free text. Engineers write MEM, MDE, WHfB, BL, LOB, GPO and
UNC, summaries are terse or carry typos, and some descriptions are pasted tickets with requester, phone, company,
host and serial.

What makes it hard on purpose:

* one pair of hard negatives in one domain: a laptop that asks for its BitLocker recovery key at every boot and a
  laptop Intune marks non-compliant, where one route is the BitLocker compliance setting; both talk about BitLocker,
  TPM, Intune and reboots;
* two different problems that end with the same generic fix, "installed the pending updates": a device under the
  minimum OS version in Intune and Excel crashing on an old Office build;
* at the branch office flow two different new answers leave the same question (addresses from a rogue DHCP server;
  "media disconnected" on every PC), so the right result there is two enhancement proposals on one node.

Same names and structure as ``benchmarks.scenario_data_heldout``: each problem's ``route_of`` names the logical
route each write-up took (its ``paths`` entry is that route in the words of that session), and a flow may carry
``extra_branches``. Every name, address, phone, host, serial, company and in-house application here is made up.
"""

from __future__ import annotations

# Intake boilerplate planted in every session: each kind must stay out of what a model sees. Some of them are also
# pasted into the write-ups themselves, the way a ticket arrives.
REQUESTERS = [
    ("Matilde Ferreira", "matilde.ferreira@alderbrook-optics.example", "+351 21 555 0187", "Alderbrook Optics"),
    ("Callum McTavish", "c.mctavish@ridgeway-surveyors.example", "(555) 903-4471", "Ridgeway Surveyors"),
    ("Yetunde Okafor", "yetunde.o@silverpine-pharmacy.example", "555 218 6650", "Silverpine Pharmacy"),
    ("Jonas Weissmann", "jweissmann@brightmoor-tools.example", "+49 30 555 7712", "Brightmoor Tools GmbH"),
    ("Anh Nguyen-Price", "anh.np@copperleaf-events.example", "555.684.0923", "Copperleaf Events"),
    ("Sven Haraldsen", "sven@fjordline-marine.example", "+47 55 55 43 10", "Fjordline Marine AS"),
    ("Lucia Benedetti", "l.benedetti@quarrygate-law.example", "555-472-1186", "Quarrygate Law Partners"),
]
DEVICES = ["abo-lt-031", "RGS-WS-1184", "spp-disp-02", "BMT-LT-0906", "cle-surface-11", "FJM-NB-64", "qgl-lt-208"]
SERIALS = ["5CG3318RWT", "PF4KQ2ZA", "C02ZW1TNMD6R", "MXL6034JB2", "8CG4102TLM", "R9WN3P1D", "H7LQ92KX5M"]
ENGINEERS = [
    ("Tamsin Achterberg", "tamsin.achterberg@msp.example"),
    ("Kofi Mensah-Boateng", "kofi.mb@msp.example"),
    ("Esme Raworth", "esme.raworth@msp.example"),
]

# Six problems no flow covers, five or six write-ups each, over five domains.
NEW_PROBLEMS: list[dict] = [
    {
        "key": "bitlocker-recovery-every-boot",
        "domain": "endpoint",
        "writeups": [
            (
                "BitLocker recovery screen on every boot",
                "Laptop asks for the 48-digit recovery key each time it starts. The key from Intune works, "
                "then it asks again at the next restart.",
            ),
            (
                "Bitlocker keeps asking for recovery key",
                "Ticket #60318\nRequester: Callum McTavish\nPhone: (555) 903-4471\nCompany: Ridgeway Surveyors\n"
                "Device: RGS-WS-1184\nStarted after the BIOS update went out on Tuesday.",
            ),
            ("recovery key prompt after bios update", "user had to read the key out over the phone again today"),
            (
                "BL recovery mode each restart when docked",
                "Only when it boots on the Thunderbolt dock; off the dock it starts normally. cle-surface-11",
            ),
            (
                "Laptop boots to 'Enter the recovery key for this drive'",
                "Every cold start at the desk with the USB-C dock and a memory stick left in.",
            ),
            (
                "Device encryption recovery prompt loop - TPM?",
                "Win11, SN 8CG4102TLM. Has entered the key from the Entra portal three mornings in a row.",
            ),
        ],
        "paths": [
            [
                ("ask", "Did this start right after a BIOS/firmware update?", ["Yes", "No"], "No"),
                (
                    "ask",
                    "Does it only happen when the laptop boots while docked or with a USB device plugged in?",
                    ["Yes, only on the dock", "No, every boot"],
                    "Yes, only on the dock",
                ),
                (
                    "do",
                    "In the BIOS put Windows Boot Manager first and disable Thunderbolt / USB boot and PXE, then "
                    "suspend and resume BitLocker",
                ),
            ],
            [
                (
                    "ask",
                    "Was a BIOS or firmware update installed just before the prompts began?",
                    ["Yep", "No", "Not sure"],
                    "Yep",
                ),
                ("ask", "Does tpm.msc say the TPM is ready for use?", ["Ready", "Not ready / not found"], "Ready"),
                (
                    "do",
                    "Suspend BitLocker (manage-bde -protectors -disable C:), reboot, then resume protection so the "
                    "TPM reseals",
                ),
            ],
            [
                ("ask", "Any firmware/UEFI update on the device recently?", ["Yes", "No"], "yes, BIOS 1.19 on Tuesday"),
                (
                    "ask",
                    "TPM status on the Security processor page or in tpm.msc?",
                    ["Ready for use", "Not ready", "No TPM found"],
                    "Ready for use",
                ),
                ("do", "Suspend BitLocker for one restart and let it resume afterwards"),
            ],
            [
                ("ask", "Has the BIOS been updated lately?", ["Yes", "No"], "No"),
                (
                    "ask",
                    "Is it only on boots with the dock or USB media attached?",
                    ["Only with the dock / USB", "Every start"],
                    "Only with the dock / USB",
                ),
                (
                    "do",
                    "Change the boot order so Windows Boot Manager is first and switch off PXE and Thunderbolt boot "
                    "in the firmware settings",
                ),
            ],
            [
                (
                    "ask",
                    "Did the key prompts begin after a firmware update?",
                    ["Yes - after an update", "No - nothing changed"],
                    "No - nothing changed",
                ),
                (
                    "ask",
                    "Does the prompt show up only when booting on the USB-C dock or with a stick inserted?",
                    ["Yes", "No"],
                    "Yes",
                ),
                ("do", "Turn off USB and Thunderbolt boot (and the dock's PXE boot) in the BIOS, keep Windows first"),
            ],
            [
                ("ask", "Was the UEFI/BIOS flashed before this began?", ["Yes", "No"], "Yes"),
                ("ask", "Is the TPM ready in tpm.msc?", ["Yes", "No"], "Yes"),
                (
                    "do",
                    "Run manage-bde -protectors -disable C: -RebootCount 1, restart, and check protection is back on",
                ),
            ],
        ],
        "resolutions": [
            "Boot order had the Thunderbolt dock's NIC first (PXE); disabled it, Windows Boot Manager first again. "
            "No more recovery prompts.",
            "Suspended and resumed BitLocker after the BIOS update; TPM resealed, boots normally.",
            "Suspend/resume BitLocker for one reboot fixed it.",
            "Disabled PXE and Thunderbolt boot in the BIOS, boots without asking for the key.",
            "Switched off USB boot and the dock's PXE; recovery screen gone.",
            "manage-bde suspend for one reboot, then resumed - TPM protector resealed, fixed.",
        ],
        "path_of": [0, 1, 2, 3, 4, 5],
        "route_of": ["dock-boot", "firmware", "firmware", "dock-boot", "dock-boot", "firmware"],
    },
    {
        "key": "intune-device-noncompliant",
        "domain": "endpoint",
        "writeups": [
            (
                "Device not compliant in Company Portal",
                "Company Portal says 'Check access' and the laptop is marked not compliant; Outlook and Teams "
                "are blocked.",
            ),
            (
                "Intune compliance: laptop shows Not Compliant",
                "INC-71402 | Requester: Matilde Ferreira | matilde.ferreira@alderbrook-optics.example | "
                "+351 21 555 0187 | Alderbrook Optics | ABO-LT-031 (SN 5CG3318RWT)",
            ),
            (
                "MEM says noncompliant, cant get to email",
                "Endpoint Manager device record: noncompliant since the weekend.",
            ),
            (
                "Company portal 'Your device doesn't meet requirements'",
                "user can't open SharePoint from the laptop, bmt-lt-0906",
            ),
            (
                "Noncompliant device - BitLocker requirement failing",
                "Compliance report says 'Require BitLocker: Not compliant' although the drive is encrypted.",
            ),
            (
                "Laptop flagged non-compliant in Intune (OS version)",
                "Compliance policy shows the minimum OS version setting failing for this one laptop.",
            ),
        ],
        "paths": [
            [
                (
                    "ask",
                    "In Intune, which compliance setting shows as failing for this device?",
                    ["Minimum OS version", "Require BitLocker", "Something else"],
                    "Minimum OS version",
                ),
                ("ask", "Does Windows Update have updates waiting on the laptop?", ["Yes", "No"], "Yes"),
                ("do", "Install the pending Windows updates, restart and press Sync in Company Portal"),
            ],
            [
                (
                    "ask",
                    "What does the device's compliance view in Endpoint Manager list as not compliant?",
                    ["OS version", "BitLocker", "Other setting"],
                    "OS version",
                ),
                ("ask", "Any pending Windows updates?", ["Yep, a few", "Nope"], "Yep, a few"),
                ("do", "Run Windows Update until nothing is pending, reboot, then sync the device from Company Portal"),
            ],
            [
                (
                    "ask",
                    "Which setting is failing under the device's compliance details?",
                    ["Minimum OS version", "Require BitLocker", "Other"],
                    "Require BitLocker",
                ),
                ("ask", "Has the laptop been rebooted since BitLocker finished encrypting?", ["Yes", "No"], "No"),
                ("do", "Restart the laptop so health attestation picks up BitLocker, then sync in Company Portal"),
            ],
            [
                (
                    "ask",
                    "Check Intune > Devices > the laptop > Device compliance: which setting fails?",
                    ["OS version too old", "BitLocker", "Firewall / Defender"],
                    "OS version too old",
                ),
                ("ask", "Are Windows updates pending?", ["Yes", "No"], "2 waiting incl. the cumulative update"),
                ("do", "Install the updates, restart, sync Company Portal"),
            ],
            [
                (
                    "ask",
                    "Which compliance setting does Intune flag?",
                    ["Min OS version", "Require BitLocker", "Something else"],
                    "Require BitLocker",
                ),
                ("ask", "Restarted since encryption completed?", ["Yes", "No – not yet"], "No – not yet"),
                ("do", "Reboot so Device Health Attestation reports BitLocker on, then Check access in Company Portal"),
            ],
            [
                (
                    "ask",
                    "Open the device in MEM, per-setting compliance: what's failing?",
                    ["Minimum OS version", "BitLocker required", "Other"],
                    "Minimum OS version",
                ),
                ("ask", "Is there a feature or quality update pending on the device?", ["Yes", "No"], "Yes"),
                ("do", "Let Windows Update install the pending update, reboot and trigger a compliance sync"),
            ],
        ],
        "resolutions": [
            "Installed the pending updates and synced; compliant again, mail works.",
            "Installed the pending updates, rebooted - device compliant within 10 minutes.",
            "Laptop hadn't rebooted since BitLocker finished; after a restart health attestation reported it and "
            "it went compliant.",
            "Installed the pending updates. Compliant.",
            "Rebooted so health attestation saw BitLocker; Company Portal shows compliant.",
            "OS was below the minimum build; installed the pending updates and it's compliant now.",
        ],
        "path_of": [0, 1, 2, 3, 4, 5],
        "route_of": [
            "os-version",
            "os-version",
            "bitlocker-attestation",
            "os-version",
            "bitlocker-attestation",
            "os-version",
        ],
    },
    {
        "key": "excel-crash-addin",
        "domain": "office",
        "writeups": [
            (
                "Excel crashes when opening any workbook",
                "Excel closes itself a second after the file opens. Word and Outlook fine.",
            ),
            (
                "Microsoft Excel has stopped working",
                "Ticket 83006\nRequester: Jonas Weissmann\nCompany: Brightmoor Tools GmbH\nPhone: +49 30 555 7712\n"
                "Device: BMT-LT-0906 (SN MXL6034JB2)\nEvent log: Application Error 1000, EXCEL.EXE.",
            ),
            ("excel keeps closing", "finance user, happens with the month-end xlsm files"),
            (
                "XL crash on launch - 'not responding' then closes",
                "Began once the new PDF converter was rolled out.",
            ),
            ("Excel 365 freezes and shuts down", "Faulting module VBE7.DLL in Event Viewer."),
        ],
        "paths": [
            [
                ("ask", "Does Excel start in safe mode (Win+R, excel /safe)?", ["Yes", "No"], "Yes"),
                (
                    "ask",
                    "Which COM add-ins are ticked under File > Options > Add-ins > COM Add-ins?",
                    ["Only Microsoft ones", "A third-party add-in", "Can't open Options"],
                    "A third-party add-in",
                ),
                ("do", "Untick the third-party COM add-in and restart Excel normally"),
            ],
            [
                (
                    "ask",
                    "Can you open Excel in safe mode?",
                    ["Yes, it opens", "No, still crashes"],
                    "No, still crashes",
                ),
                (
                    "ask",
                    "Is Microsoft 365 Apps up to date (check from Word > File > Account)?",
                    ["Up to date", "Updates pending"],
                    "Updates pending",
                ),
                ("do", "Update Office from Word: File > Account > Update Options > Update Now, then reopen Excel"),
            ],
            [
                ("ask", "Does excel.exe /safe start without crashing?", ["Yep", "No"], "Yep"),
                (
                    "ask",
                    "What COM add-ins are loaded?",
                    ["Microsoft only", "Third-party ones too"],
                    "the CRM add-in and a PDF one",
                ),
                ("do", "Disable the non-Microsoft COM add-ins one at a time to find the one that crashes Excel"),
            ],
            [
                (
                    "ask",
                    "Safe mode test: does Excel stay open with /safe?",
                    ["Stays open", "Crashes as well"],
                    "Stays open",
                ),
                ("ask", "Any non-Microsoft COM add-ins enabled in Excel Options?", ["Yes", "No"], "Yes"),
                ("do", "Turn off the PDF converter COM add-in in Excel Options and relaunch"),
            ],
            [
                (
                    "ask",
                    "Does it crash in safe mode too?",
                    ["Yes, crashes in safe mode", "No, safe mode is fine"],
                    "Yes, crashes in safe mode",
                ),
                ("ask", "Does Word's File > Account show Office updates waiting?", ["Yes", "No"], "Yes"),
                ("do", "Click Update Now on Office's Account page, let the update install, then start Excel"),
            ],
        ],
        "resolutions": [
            "Disabled the old PDF add-in under COM Add-ins; Excel opens files again.",
            "Office was months behind; installed the pending updates and Excel stopped crashing.",
            "CRM add-in was crashing Excel; disabled it, vendor ticket raised.",
            "PDF converter COM add-in turned off - Excel stable.",
            "Installed the pending updates (Office build), crash gone.",
        ],
        "path_of": [0, 1, 2, 3, 4],
        "route_of": ["com-addin", "office-build", "com-addin", "com-addin", "office-build"],
    },
    {
        "key": "mapped-drive-missing",
        "domain": "files",
        "writeups": [
            (
                "Mapped drives missing after login",
                "S: and P: are gone this morning, This PC shows no network locations.",
            ),
            (
                "Network drive shows red X - 'Could not reconnect all network drives'",
                "Requester Yetunde Okafor, Silverpine Pharmacy, 555 218 6650, SPP-DISP-02. "
                "Clicking the drive opens it after a while.",
            ),
            ("H drive not there", "home drive didnt map for the new starter"),
            (
                "Shared drive letter disappeared",
                "Finance share (F:) no longer mapped on qgl-lt-208, colleagues still have it. Password changed Monday.",
            ),
            ("Drive mappings not applied via GPO", "Drive letters from the logon policy never show up for this user."),
            (
                "Can't access the S: drive - asks for password",
                "Windows Security pops up asking for network credentials. "
                "Lucia Benedetti <l.benedetti@quarrygate-law.example>, 555-472-1186",
            ),
        ],
        "paths": [
            [
                (
                    "ask",
                    "Does the share open when you type its UNC path (\\\\server\\share) in File Explorer?",
                    ["Yes", "No"],
                    "Yes",
                ),
                (
                    "ask",
                    "Is the drive mapping GPO listed as applied in gpresult /r for the user?",
                    ["Yes", "No"],
                    "Yes",
                ),
                (
                    "ask",
                    "Is 'Always wait for the network at computer startup and logon' enabled for the PC?",
                    ["Enabled", "Not configured"],
                    "Not configured",
                ),
                (
                    "do",
                    "Enable 'Always wait for the network at computer startup and logon' in the computer GPO, then "
                    "gpupdate /force and reboot",
                ),
            ],
            [
                ("ask", "Can you browse to the share by UNC path?", ["Yes it opens", "No"], "Yes it opens"),
                (
                    "ask",
                    "Does gpresult show the drive maps GPO under Applied Group Policy Objects?",
                    ["Yes, it shows", "No – nothing"],
                    "Yes, it shows",
                ),
                ("ask", "Is the 'wait for the network at logon' policy set on the machine?", ["Yes", "No"], "No"),
                ("do", "Turn on 'Always wait for the network at startup and logon' via Group Policy"),
            ],
            [
                (
                    "ask",
                    "Does \\\\fileserver\\share open directly from Explorer's address bar?",
                    ["Yes", "No – access denied", "No – asks for credentials"],
                    "Yes",
                ),
                (
                    "ask",
                    "gpresult /r: is the mapped-drives GPO among the applied ones?",
                    ["Yes", "No, filtered out"],
                    "No, filtered out",
                ),
                (
                    "do",
                    "Add the user to the security group the drive map GPO is filtered on, gpupdate /force, log off/on",
                ),
            ],
            [
                (
                    "ask",
                    "If you enter the UNC path in Explorer, does the share open?",
                    ["Yes", "No"],
                    "No - Windows Security asks for a password",
                ),
                (
                    "ask",
                    "Any saved entries for the file server in Credential Manager (Windows Credentials)?",
                    ["Yes", "No"],
                    "Yes",
                ),
                ("do", "Delete the stale Windows credential for the file server and remap the drive"),
            ],
            [
                ("ask", "Does the UNC path to the share work?", ["Works", "Doesn't work"], "Works"),
                (
                    "ask",
                    "Is the drive mapping policy in the user's applied GPOs (gpresult /r)?",
                    ["Applied", "Denied (security filtering)", "Not there"],
                    "Denied (security filtering)",
                ),
                ("do", "Put the user in the group the drive mapping GPO targets and force a group policy refresh"),
            ],
            [
                (
                    "ask",
                    "Typing \\\\server\\share in Explorer - does it open?",
                    ["Yep", "Nope, credential prompt"],
                    "Nope, credential prompt",
                ),
                (
                    "ask",
                    "Does Credential Manager hold an old password for that server?",
                    ["Yes, there's an entry", "No entry"],
                    "Yes, there's an entry",
                ),
                ("do", "Remove the file server entry from Credential Manager, sign out and back in"),
            ],
        ],
        "resolutions": [
            "Enabled 'Always wait for the network' - drives map at logon now.",
            "Policy 'Always wait for the network at startup and logon' was missing; set it, rebooted, drives reconnect.",
            "New starter wasn't in the SG-Drive-Maps group; added, gpupdate /force, H: maps.",
            "Old password saved in Credential Manager after Monday's change; removed it and F: maps.",
            "User missing from the drive map group; added and refreshed group policy. Fixed.",
            "Deleted the stale credential for the file server; S: opens without prompting.",
        ],
        "path_of": [0, 1, 2, 3, 4, 5],
        "route_of": ["wait-for-network", "wait-for-network", "gpo-group", "credentials", "gpo-group", "credentials"],
    },
    {
        "key": "hello-pin-unavailable",
        "domain": "identity",
        "writeups": [
            (
                "Windows Hello PIN not working - 'Something happened and your PIN isn't available'",
                "Sign-in screen offers 'Set up my PIN', which then fails.",
            ),
            (
                "PIN sign-in gone after restart",
                "Ticket 91277 / Anh Nguyen-Price / Copperleaf Events / 555.684.0923 / CLE-SURFACE-11\n"
                "Can still log in with the password.",
            ),
            ("WHfB PIN error 0x80090016", "Hybrid joined laptop. 0x80090016 when trying to reset the PIN."),
            ("cant use pin to log on", "says pin isnt available, click to set up again, then error"),
            (
                "Hello for Business PIN setup fails - 'Something went wrong'",
                "Provisioning never completes on fjm-nb-64 (serial R9WN3P1D).",
            ),
        ],
        "paths": [
            [
                ("ask", "Does dsregcmd /status show AzureAdPrt : YES for the user?", ["YES", "NO"], "YES"),
                (
                    "ask",
                    "Does 'I forgot my PIN' fail as well?",
                    ["Yes, fails too", "No, reset works"],
                    "Yes, fails too",
                ),
                (
                    "do",
                    "Take ownership of and delete the Ngc folder under "
                    "C:\\Windows\\ServiceProfiles\\LocalService\\AppData\\Local\\Microsoft, reboot and create a new PIN",
                ),
            ],
            [
                ("ask", "In dsregcmd /status, is there a Primary Refresh Token (AzureAdPrt)?", ["Yes", "No"], "No"),
                (
                    "do",
                    "Re-register the device: dsregcmd /leave, restart on the office network, sign in with the "
                    "password, then set up the PIN",
                ),
            ],
            [
                ("ask", "dsregcmd /status - AzureAdPrt YES or NO?", ["YES", "NO", "Command fails"], "YES"),
                (
                    "ask",
                    "Does the PIN reset from the sign-in screen error out too?",
                    ["Yes", "No"],
                    "yes, same 0x80090016",
                ),
                ("do", "Delete the NGC folder and set the PIN up again"),
            ],
            [
                ("ask", "Is the user getting a PRT - AzureAdPrt: YES in dsregcmd?", ["Yes", "No"], "Yes"),
                ("ask", "Does resetting the PIN via 'I forgot my PIN' work?", ["Works", "Errors"], "Errors"),
                ("do", "Clear the Ngc folder (takeown / icacls first) and let Windows Hello provision a new PIN"),
            ],
            [
                ("ask", "Check dsregcmd /status: does SSO State show AzureAdPrt = YES?", ["YES", "NO"], "NO"),
                (
                    "do",
                    "Leave and redo the Entra registration (dsregcmd /leave + reboot on the corporate LAN), then "
                    "re-enrol Windows Hello",
                ),
            ],
        ],
        "resolutions": [
            "Deleted the Ngc folder, rebooted, user set a new PIN - working.",
            "Device had no PRT; re-registered with dsregcmd /leave and a reboot in the office, PIN set up fine.",
            "Ngc folder was corrupt; removed it and re-created the PIN.",
            "Cleared Ngc folder, new PIN provisioned.",
            "No PRT - device re-registered in Entra ID, Hello PIN enrolled afterwards.",
        ],
        "path_of": [0, 1, 2, 3, 4],
        "route_of": ["ngc-folder", "no-prt", "ngc-folder", "ngc-folder", "no-prt"],
    },
    {
        "key": "defender-quarantined-app",
        "domain": "security",
        "writeups": [
            (
                "Defender quarantined our timesheet app",
                "'Threats found' toast, then TimeKeep.exe vanished from the install folder.",
            ),
            (
                "Windows Security blocked file as Trojan:Win32/Wacatac.B!ml",
                "Requester: Sven Haraldsen <sven@fjordline-marine.example>\nFjordline Marine AS, +47 55 55 43 10\n"
                "Host FJM-NB-64, serial R9WN3P1D\nThe vessel-tracking tool's updater was removed.",
            ),
            ("defender removed exe", "app wont start, file gone from program files"),
            (
                "False positive - MDE quarantine of LOB tool",
                "Several users hit at once after the vendor's new release. spp-disp-02 among them.",
            ),
            ("Antivirus deleted the macro workbook", "Threat history shows the .xlsm quarantined as a macro trojan."),
            (
                "Microsoft Defender keeps quarantining TimeKeep.exe",
                "Restored it twice, it gets removed again within the hour.",
            ),
        ],
        "paths": [
            [
                (
                    "ask",
                    "Is the quarantined file part of an app the business uses?",
                    ["Yes", "No", "Unsure"],
                    "Yes",
                ),
                ("ask", "Has Defender flagged the same file on other devices?", ["Yes", "No, just this one"], "Yes"),
                (
                    "do",
                    "Report the file to Microsoft as a false positive, add an Allow indicator for its SHA-256 in the "
                    "Defender portal, then restore it from quarantine",
                ),
            ],
            [
                ("ask", "Is the removed file a known, legitimate business program?", ["Yep", "No"], "Yep"),
                (
                    "ask",
                    "Is this detection on one machine only?",
                    ["Only this one", "Several machines"],
                    "Only this one",
                ),
                (
                    "do",
                    "Restore the file from Protection history on the laptop and submit it to Microsoft for analysis",
                ),
            ],
            [
                ("ask", "Is the exe something the company knowingly installed?", ["Yes", "No"], "Yes"),
                ("ask", "Do other PCs show the same alert in the Defender portal?", ["Yes", "No"], "No"),
                ("do", "Allow it on the device from Protection history and send a false-positive submission"),
            ],
            [
                (
                    "ask",
                    "Is the quarantined item a legitimate LOB application?",
                    ["Yes", "No"],
                    "Yes - vendor-signed, new release",
                ),
                ("ask", "How many devices have the alert?", ["Just one", "Several"], "Several"),
                ("do", "Create a tenant Allow indicator (file hash or certificate) in MDE, submit the FP, restore"),
            ],
            [
                ("ask", "Is the flagged file a known business app or document?", ["Yes", "No"], "No"),
                (
                    "ask",
                    "Where did the file come from?",
                    ["Email attachment", "Web download", "USB stick"],
                    "Email attachment",
                ),
                ("do", "Leave the file in quarantine, run a full scan and block the sender in Defender for Office 365"),
            ],
            [
                (
                    "ask",
                    "Is it an application the organisation relies on?",
                    ["Yes, it's ours", "No – not recognised"],
                    "Yes, it's ours",
                ),
                ("ask", "Same detection on any other endpoints?", ["Yes, a few", "No"], "Yes, a few"),
                (
                    "do",
                    "Add an allow indicator for the file's hash in security.microsoft.com, submit it as a false "
                    "positive and restore from quarantine",
                ),
            ],
        ],
        "resolutions": [
            "Submitted as a false positive and added an Allow indicator for the hash; restored TimeKeep.exe on all PCs.",
            "Restored the updater from Protection history and submitted it to Microsoft; verdict came back clean.",
            "Restored from quarantine on the one laptop, FP submission sent; app starts.",
            "Tenant-wide allow indicator for the vendor's certificate, FP submitted, files restored.",
            "Workbook was a real macro trojan from a phishing mail; left it quarantined, full scan clean, sender "
            "blocked.",
            "Allow indicator for the SHA-256 added; Defender stopped removing TimeKeep.exe.",
        ],
        "path_of": [0, 1, 2, 3, 4, 5],
        "route_of": [
            "allow-indicator",
            "restore-one-device",
            "restore-one-device",
            "allow-indicator",
            "real-threat",
            "allow-indicator",
        ],
    },
]

# Three published flows. Five sessions leave each at one question with one new answer and fix, worded five ways; the
# branch office flow also has a second, different new answer at the same question (three sessions).
FLOWS: list[dict] = [
    {
        "name": "SharePoint site access denied",
        "domain": "collaboration",
        "keywords": ["sharepoint", "access", "permission"],
        "tree": {
            "id": "sp1",
            "type": "question",
            "question": "Can the user open other SharePoint sites in the tenant?",
            "children": [
                {
                    "id": "sp2",
                    "label": "No",
                    "type": "solution",
                    "solution": "Check that the user's licence includes SharePoint Online and that they can sign in "
                    "at office.com.",
                },
                {
                    "id": "sp3",
                    "label": "Yes",
                    "type": "question",
                    "question": "What does the user see when opening this site?",
                    "children": [
                        {
                            "id": "sp4",
                            "label": "You need permission to access this site",
                            "type": "solution",
                            "solution": "Add the user to the site's Members group, or approve their access request.",
                        },
                        {
                            "id": "sp5",
                            "label": "Signed in with a different account",
                            "type": "solution",
                            "solution": "Sign out of the other account, or open the site in an InPrivate window with "
                            "the work account.",
                        },
                        {
                            "id": "sp6",
                            "label": "Site is read-only",
                            "type": "solution",
                            "solution": "Check whether the site is locked or set to read-only in the SharePoint "
                            "admin center.",
                        },
                    ],
                },
            ],
        },
        "leave_at": "sp3",
        "path_before": [("Can the user open other SharePoint sites in the tenant?", "Yes", "sp1")],
        "question": (
            "What does the user see when opening this site?",
            ["You need permission to access this site", "Signed in with a different account", "Site is read-only"],
        ),
        "branch": "library-unique-permissions",
        "free_texts": [
            "Site opens but one document library says access denied",
            "only the Contracts library is denied, rest of the site is fine",
            "Can get into the site, a single library blocks her",
            "Home page loads; 'Access denied' on the Projects library only",
            "One library has its own permissions and the user isn't on them",
        ],
        "resolutions": [
            "Library had unique permissions; added the site Members group to it.",
            "Granted the user's team Edit on the Contracts library (inheritance was broken).",
            "Broken inheritance on the library - restored inheritance from the site, access works.",
            "Added the user to the library's own permission list; Projects opens now.",
            "Library stopped inheriting permissions last year; re-inherited and the user can open it.",
        ],
    },
    {
        "name": "Branch office has no network",
        "domain": "network",
        "keywords": ["branch", "network", "ip"],
        "tree": {
            "id": "bo1",
            "type": "question",
            "question": "Is every PC at the branch affected?",
            "children": [
                {
                    "id": "bo2",
                    "label": "No",
                    "type": "solution",
                    "solution": "Troubleshoot the one PC: cable, network adapter and its IP settings.",
                },
                {
                    "id": "bo3",
                    "label": "Yes",
                    "type": "question",
                    "question": "What does ipconfig /all show on an affected PC?",
                    "children": [
                        {
                            "id": "bo4",
                            "label": "169.254.x.x address",
                            "type": "solution",
                            "solution": "Check the DHCP service on the branch server and the router's DHCP relay "
                            "(IP helper).",
                        },
                        {
                            "id": "bo5",
                            "label": "Valid IP, names don't resolve",
                            "type": "solution",
                            "solution": "Check the branch DNS server is running and forwards to head office.",
                        },
                        {
                            "id": "bo6",
                            "label": "Valid IP and DNS, no internet",
                            "type": "solution",
                            "solution": "Check the router's WAN link; call the ISP if the line is down.",
                        },
                    ],
                },
            ],
        },
        "leave_at": "bo3",
        "path_before": [("Is every PC at the branch affected?", "Yes", "bo1")],
        "question": (
            "What does ipconfig /all show on an affected PC?",
            ["169.254.x.x address", "Valid IP, names don't resolve", "Valid IP and DNS, no internet"],
        ),
        "branch": "rogue-dhcp-server",
        "free_texts": [
            "Gets a 192.168.1.x address with gateway 192.168.1.1 - not our range",
            "wrong subnet, 10.0.0.x from a DHCP server that isn't ours",
            "ipconfig /all shows DHCP Server 192.168.0.1, which we don't own",
            "IPs from a range we never use, looks like a home router handing them out",
            "Addresses from an unknown DHCP server, gateway doesn't answer",
        ],
        "resolutions": [
            "Someone plugged a home router in at reception; unplugged it and ran ipconfig /renew on the PCs.",
            "Rogue DHCP from a Wi-Fi extender a user brought in; removed it, PCs renewed and back online.",
            "Tracked the rogue DHCP server to a switch port by its MAC, shut the port, clients renewed.",
            "Removed the consumer router and enabled DHCP snooping on the switch; leases correct again.",
            "Found and unplugged the rogue DHCP device, released/renewed leases - branch working.",
        ],
        "extra_branches": [
            {
                "branch": "switch-down",
                "free_texts": [
                    "Media disconnected on every PC",
                    "ipconfig says media disconnected, no link lights at the desks",
                    "Network cable unplugged on all machines - nothing in the comms cabinet is lit",
                ],
                "resolutions": [
                    "Branch switch lost power after a storm (UPS battery dead); powered it back on, battery replaced.",
                    "Switch PSU failed; swapped in the spare switch, everyone back on.",
                    "The comms cabinet switch was off at the wall - switched on, links up.",
                ],
            }
        ],
    },
    {
        "name": "Network printer shows offline",
        "domain": "printing",
        "keywords": ["printer", "offline", "print"],
        "tree": {
            "id": "pr1",
            "type": "question",
            "question": "Does the printer answer a ping from the print server?",
            "children": [
                {
                    "id": "pr2",
                    "label": "No",
                    "type": "solution",
                    "solution": "Check the printer's power and cable and that it still has its reserved IP address.",
                },
                {
                    "id": "pr3",
                    "label": "Yes",
                    "type": "question",
                    "question": "What does the printer's own display say?",
                    "children": [
                        {
                            "id": "pr4",
                            "label": "Paper jam or door open",
                            "type": "solution",
                            "solution": "Clear the jam or close the door; the queue comes back online by itself.",
                        },
                        {
                            "id": "pr5",
                            "label": "Toner or ink empty",
                            "type": "solution",
                            "solution": "Replace the cartridge.",
                        },
                        {
                            "id": "pr6",
                            "label": "Ready",
                            "type": "solution",
                            "solution": "On the print server, untick 'Use Printer Offline' and check the port's IP.",
                        },
                    ],
                },
            ],
        },
        "leave_at": "pr3",
        "path_before": [("Does the printer answer a ping from the print server?", "Yes", "pr1")],
        "question": (
            "What does the printer's own display say?",
            ["Paper jam or door open", "Toner or ink empty", "Ready"],
        ),
        "branch": "deep-sleep",
        "free_texts": [
            "Display is dark - printer is in deep sleep",
            "screen blank, it's gone into sleep mode",
            "Nothing on the panel until someone presses a button (energy saver)",
            "Panel off, eco mode / auto-off kicked in",
            "asleep – wakes up when you touch the screen",
        ],
        "resolutions": [
            "Turned off deep sleep on the printer's web page; it stays reachable and the queue stays online.",
            "Set the energy saver to wake on network instead of auto-off; printer no longer shows offline.",
            "Disabled Auto-Off in the embedded web server (EWS); queue online.",
            "Changed the sleep setting from deep sleep to low-power standby so SNMP answers; fixed.",
            "Energy saver: deep sleep off, sleep timer 60 min. Printer stays online in Windows.",
        ],
    },
]

# One problem no flow covers, escalated six times, written six ways: a repeated unmatched problem for the gaps page.
UNMATCHED = {
    "key": "shared-mailbox-sent-items",
    "summaries": [
        "Mail sent from the shared mailbox lands in my own Sent Items",
        "Shared mbx sent items not saved to the shared mailbox",
        "Emails sent as info@ don't appear in the shared mailbox's Sent folder",
        "sent items for shared inbox going to the users sent folder",
        "Outlook: copies of messages sent from a delegated mailbox missing from its Sent Items",
        "Team can't see what colleagues sent from the support@ mailbox",
    ],
}
