"""Hand-written troubleshooting sessions for measuring what the flywheel learns (see ``benchmarks.scenarios``).

Each problem is written several ways, as different engineers would write it up: other words, abbreviations, error
codes with and without ``0x``, ticket-style intake with requester, device and company lines, and paths that explore
different options of the same questions. Every name, address, host and company here is made up.

A path is a list of steps: ``("ask", question, options, chosen)`` where ``chosen`` not in ``options`` is free text,
``("do", instruction)``, and the session ends with its resolution.
"""

from __future__ import annotations

# Intake boilerplate planted in every session: each kind must stay out of what a model sees.
REQUESTERS = [
    ("Priya Raman", "priya.raman@fabrikam-legal.example", "+44 20 7946 0321", "Fabrikam Legal LLP"),
    ("Tomasz Nowak", "t.nowak@adatum-freight.example", "(555) 201-8830", "Adatum Freight"),
    ("Aisha Bello", "aisha.bello@wingtip-dental.example", "555-014-2277", "Wingtip Dental Group"),
    ("Lars Eriksson", "lars@proseware-arch.example", "+46 8 555 219 04", "Proseware Architects"),
    ("Mei Lin Chow", "meilin.chow@lucerne-pub.example", "(555) 660-1942", "Lucerne Publishing"),
    ("Diego Alvarez", "d.alvarez@fourthcoffee.example", "555 310 7781", "Fourth Coffee Roasters"),
]
DEVICES = ["fl-lt-0519", "ADF-WS-221", "wdg-lt-07", "Pros-MBP-3310", "lp-desk-118", "fc-pos-02"]
SERIALS = ["5CG1234XYZ", "PF2ABCD9", "C02XK0LMJG5H", "MXL4410Q7R", "8CC2231PQL", "JH4KT1Z9"]
ENGINEERS = [("Sam Okonkwo", "sam.okonkwo@msp.example"), ("Jo Brennan", "jo.brennan@msp.example")]

# Four problems no flow covers, five write-ups each. Problems 2 and 3 are the same product (Outlook): hard negatives.
NEW_PROBLEMS: list[dict] = [
    {
        "key": "autopilot-80180014",
        "domain": "endpoint",
        "writeups": [
            ("Can't join device to Intune, code 0x80180014", "New starter laptop will not enrol, shows 0x80180014."),
            ("Autopilot enrollment error 80180014", "Fresh laptop from the vendor stops at the enrolment screen."),
            ("MDM enrolment blocked - 0x80180014 on new PC", "OOBE says the organisation does not allow this device."),
            ("Endpoint Manager says device can't enroll (80180014)", "Reset laptop cannot re-enrol in MEM."),
            ("Windows Autopilot fails: 'device not supported' 0x80180014", "Reimaged PC fails during Autopilot."),
        ],
        "paths": [
            [
                ("ask", "Is the device registered in Autopilot?", ["Yes", "No"], "Yes"),
                ("ask", "Is there an old Intune record for this device?", ["Yes", "No"], "Yes"),
                ("do", "Delete the stale device record in Intune and retry enrollment"),
            ],
            [
                ("ask", "Is the device registered in Autopilot?", ["Yes", "No"], "Yes"),
                ("ask", "Is there an old Intune record for this device?", ["Yes", "No"], "No"),
                ("do", "Check the enrollment restrictions for the Windows (MDM) platform"),
            ],
        ],
        "resolutions": [
            "Deleted the stale Intune device record; enrollment then completed.",
            "Removed the old device object from Intune and re-ran Autopilot; it enrolled.",
            "Allowed Windows (MDM) in the enrollment restrictions; the device enrolled.",
            "Old Intune record deleted, enrolment succeeded.",
            "Enrollment restriction blocked personal Windows devices; allowed it and the device enrolled.",
        ],
        "path_of": [0, 0, 1, 0, 1],
    },
    {
        "key": "outlook-password-prompts",
        "domain": "email",
        "writeups": [
            ("Outlook keeps asking for password", "User gets the credential prompt every few minutes in Outlook."),
            ("Repeated credential prompts in Outlook desktop", "Password box pops up again and again, M365 mailbox."),
            ("O365 Outlook password prompt loop", "Enters password, prompt returns immediately."),
            ("Outlook constantly prompting for credentials after password change", "Changed password yesterday."),
            ("Office 365 mail client asks to sign in repeatedly", "Outlook shows 'Need password' in status bar."),
        ],
        "paths": [
            [
                ("ask", "Does webmail (OWA) accept the same password?", ["Yes", "No"], "Yes"),
                ("ask", "Are there stale Office credentials in Credential Manager?", ["Yes", "No"], "Yes"),
                ("do", "Remove the Office credentials from Windows Credential Manager and restart Outlook"),
            ],
            [
                ("ask", "Does webmail (OWA) accept the same password?", ["Yes", "No"], "Yes"),
                ("ask", "Are there stale Office credentials in Credential Manager?", ["Yes", "No"], "No"),
                ("do", "Enable modern authentication for the Outlook profile"),
            ],
        ],
        "resolutions": [
            "Cleared the cached Office credentials in Credential Manager; prompts stopped.",
            "Removed saved MicrosoftOffice16 credentials, signed in once, no more prompts.",
            "Modern authentication was off for the profile; enabled it and the prompts stopped.",
            "Deleted stale credentials from Credential Manager, fixed.",
            "Stale cached password in Credential Manager removed; Outlook signs in fine.",
        ],
        "path_of": [0, 0, 1, 0, 0],
    },
    {
        "key": "shared-mailbox-missing",
        "domain": "email",
        "writeups": [
            ("Shared mailbox not showing in Outlook", "User was given Full Access to accounts@ but it is not listed."),
            ("Delegated mailbox doesn't appear in Outlook folder pane", "Access granted this morning."),
            ("Outlook missing shared inbox after permission was added", "Finance shared mailbox absent."),
            ("Shared mailbox automapping not working", "New team member can't see the team mailbox."),
            ("Can't see the shared mailbox in Outlook desktop", "It shows in OWA but not in Outlook."),
        ],
        "paths": [
            [
                ("ask", "Does the shared mailbox open in Outlook on the web?", ["Yes", "No"], "Yes"),
                ("ask", "Was Full Access granted with automapping?", ["Yes", "No", "Not sure"], "No"),
                ("do", "Re-grant Full Access with automapping enabled"),
            ],
            [
                ("ask", "Does the shared mailbox open in Outlook on the web?", ["Yes", "No"], "Yes"),
                ("ask", "Was Full Access granted with automapping?", ["Yes", "No", "Not sure"], "Yes"),
                ("do", "Add the mailbox manually under Account Settings > More Settings > Advanced"),
            ],
        ],
        "resolutions": [
            "Full Access re-granted with automapping; mailbox appeared after an Outlook restart.",
            "Added the shared mailbox manually in the profile's advanced settings.",
            "Permission re-applied with AutoMapping true, mailbox now shows.",
            "Automapping was off; re-granted Full Access and it mapped.",
            "Mailbox added by hand in Advanced settings; visible now.",
        ],
        "path_of": [0, 1, 0, 0, 1],
    },
    {
        "key": "print-spooler-stuck",
        "domain": "printing",
        "writeups": [
            ("Print jobs stuck in queue", "Nothing prints from the office PCs, queue keeps growing."),
            ("Printer queue frozen, documents won't print", "Jobs sit at 'Printing' forever."),
            ("Spooler hung - print queue not clearing", "Cannot delete the jobs in the queue either."),
            ("Documents stuck spooling on the office printer", "Everyone's jobs are waiting."),
            ("Can't print: jobs pile up in the print queue", "Queue shows 30 pending documents."),
        ],
        "paths": [
            [
                ("ask", "Can the printer print a test page from its own panel?", ["Yes", "No"], "Yes"),
                ("ask", "Does restarting the Print Spooler service clear the queue?", ["Yes", "No"], "No"),
                ("do", "Stop the spooler, delete the files in the spool PRINTERS folder, start the spooler"),
            ],
            [
                ("ask", "Can the printer print a test page from its own panel?", ["Yes", "No"], "Yes"),
                ("ask", "Does restarting the Print Spooler service clear the queue?", ["Yes", "No"], "Yes"),
                ("do", "Restart the Print Spooler service"),
            ],
        ],
        "resolutions": [
            "Cleared the spool folder with the spooler stopped; printing resumed.",
            "Restarted the Print Spooler service and the queue cleared.",
            "Stopped spooler, emptied the PRINTERS folder, started it again: fixed.",
            "Deleted the stuck spool files and restarted the service; jobs print.",
            "Spooler restart cleared the queue.",
        ],
        "path_of": [0, 1, 0, 0, 1],
    },
]

# Three published flows; five sessions each leave one at a known question with one new resolution, worded 5 ways.
FLOWS: list[dict] = [
    {
        "name": "VPN cannot connect",
        "domain": "network",
        "keywords": ["vpn", "connect"],
        "tree": {
            "id": "q1",
            "type": "question",
            "question": "Does the user have internet access without the VPN?",
            "children": [
                {"id": "s1", "label": "No", "type": "solution", "solution": "Fix the local network connection first."},
                {
                    "id": "q2",
                    "label": "Yes",
                    "type": "question",
                    "question": "What error does the VPN client show?",
                    "children": [
                        {
                            "id": "s2",
                            "label": "Credential error",
                            "type": "solution",
                            "solution": "Reset the user's VPN password.",
                        },
                        {
                            "id": "s3",
                            "label": "Timeout",
                            "type": "solution",
                            "solution": "Check the VPN gateway is reachable.",
                        },
                    ],
                },
            ],
        },
        "leave_at": "q2",
        "path_before": [("Does the user have internet access without the VPN?", "Yes", "q1")],
        "question": ("What error does the VPN client show?", ["Credential error", "Timeout"]),
        "free_texts": [
            "Error 809 from the hotel Wi-Fi",
            "error 809, IPsec blocked on guest network",
            "VPN error 809 at a client site",
            "809 - connection between computer and VPN server could not be established",
            "Getting error 809 on public Wi-Fi",
        ],
        "resolutions": [
            "Switched the user to the SSL VPN profile on TCP 443.",
            "Moved them onto the SSL VPN profile (443), connects now.",
            "Used the SSL-VPN profile over port 443 instead of IPsec.",
            "SSL VPN profile on 443 works where IPsec is blocked.",
            "Changed the connection to the SSL VPN profile, TCP 443; connected.",
        ],
    },
    {
        "name": "Outlook crashes on start",
        "domain": "email",
        "keywords": ["outlook", "crash"],
        "tree": {
            "id": "a1",
            "type": "question",
            "question": "Does Outlook start in safe mode (outlook.exe /safe)?",
            "children": [
                {
                    "id": "a2",
                    "label": "Yes",
                    "type": "solution",
                    "solution": "Disable the COM add-ins one at a time to find the faulty one.",
                },
                {"id": "a3", "label": "No", "type": "solution", "solution": "Create a new Outlook profile."},
            ],
        },
        "leave_at": "a1",
        "path_before": [],
        "question": ("Does Outlook start in safe mode (outlook.exe /safe)?", ["Yes", "No"]),
        "free_texts": [
            "Crashes even in safe mode and with a new profile",
            "safe mode crashes too, new profile didn't help",
            "Still crashes in /safe, tried a fresh profile",
            "Crash in safe mode as well; new profile same",
            "No - and a new profile also crashes",
        ],
        "resolutions": [
            "Ran an Office Online Repair from Apps & features; Outlook starts.",
            "Online repair of Microsoft 365 Apps fixed the crash.",
            "Repaired Office (Online Repair) and Outlook opens again.",
            "Office online repair resolved it.",
            "Did a full Online Repair of the Office install, crash gone.",
        ],
    },
    {
        "name": "MFA prompt not received",
        "domain": "identity",
        "keywords": ["mfa", "authenticator"],
        "tree": {
            "id": "m1",
            "type": "question",
            "question": "Does the user receive the MFA prompt on their phone?",
            "children": [
                {"id": "m2", "label": "Yes", "type": "solution", "solution": "Approve the prompt; check the number."},
                {
                    "id": "m3",
                    "label": "No",
                    "type": "question",
                    "question": "Is the phone's clock set automatically?",
                    "children": [
                        {"id": "m4", "label": "No", "type": "solution", "solution": "Set date and time automatically."},
                        {
                            "id": "m5",
                            "label": "Yes",
                            "type": "solution",
                            "solution": "Send a test notification from the Authenticator app settings.",
                        },
                    ],
                },
            ],
        },
        "leave_at": "m3",
        "path_before": [("Does the user receive the MFA prompt on their phone?", "No", "m1")],
        "question": ("Is the phone's clock set automatically?", ["No", "Yes"]),
        "free_texts": [
            "User has a new phone, Authenticator not moved over",
            "new handset - old authenticator gone",
            "Replaced phone; 2FA app not set up on it",
            "Lost old phone, MFA app was on it",
            "Authenticator wasn't migrated to the new mobile",
        ],
        "resolutions": [
            "Required re-registration of MFA methods; the user set up Authenticator on the new phone.",
            "Reset the user's MFA registration and they re-enrolled the authenticator app.",
            "Require re-register MFA, user added the new phone.",
            "Cleared MFA methods in Entra ID so the user could register the new handset.",
            "Re-registration of 2FA forced; new phone enrolled.",
        ],
    },
]

# One problem no flow covers, escalated six times, written six ways: a repeated unmatched problem for the gaps page.
UNMATCHED = {
    "key": "avd-disconnects",
    "summaries": [
        "Azure Virtual Desktop session disconnects every 10 minutes",
        "AVD keeps dropping the user's session",
        "WVD session disconnected randomly",
        "Windows Virtual Desktop kicks users out",
        "avd disconnect issue for finance team",
        "Remote desktop (Azure Virtual Desktop) connection lost repeatedly",
    ],
}
