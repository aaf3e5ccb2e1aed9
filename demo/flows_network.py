"""Demo flows: networking, VPN and printers."""

from __future__ import annotations

from demo.dsl import A, E, Q, S, add_escapes, flow

NET_DNS = flow(
    "net_dns",
    "DNS: names do not resolve",
    "networking",
    "Websites or internal servers fail by name but work by IP address.",
    ["dns", "name resolution", "nslookup", "cannot reach website", "server not found", "dns_probe"],
    [
        ("Internet not working", "Browser says DNS_PROBE_FINISHED_NXDOMAIN on every site."),
        ("Cannot reach file server by name", "\\\\NW-FS-01 not found but the IP address works."),
    ],
    Q(
        "Does nslookup of the name return an address?",
        (
            "No, times out",
            A(
                "Check the adapter's DNS servers (ipconfig /all): they must be the domain controllers, not a public "
                "resolver.",
                ("Corrected", S("DNS servers set back to the DCs via DHCP; names resolve.")),
            ),
        ),
        (
            "Yes, but the wrong address",
            A(
                "Flush the client cache (ipconfig /flushdns) and check for a stale static record on the DNS server.",
                ("Fixed", S("Stale A record removed and cache flushed; name resolves to the right host.")),
            ),
        ),
        (
            "Yes, correct address",
            S("Not DNS: the name resolves. Check the firewall or the service on the target."),
        ),
        escapes=(
            E(
                "Only fails for internal names when on the guest Wi-Fi",
                [
                    "Confirmed the laptop was on NW-GUEST which uses public DNS",
                    "Moved the laptop to the corporate SSID",
                ],
                "User was on the guest Wi-Fi; internal names only resolve on the corporate network.",
            ),
        ),
    ),
    weight=1.0,
)

NET_DHCP = flow(
    "net_dhcp",
    "DHCP: no IP address (169.254.x.x)",
    "networking",
    "A device gets an APIPA 169.254 address or 'no valid IP configuration'.",
    ["dhcp", "169.254", "apipa", "no ip address", "no valid ip configuration", "ip conflict"],
    [
        ("No network - 169.254 address", "PC shows 'Unidentified network' and ipconfig says 169.254.12.40."),
        ("No valid IP configuration", "Ethernet doesn't have a valid IP configuration."),
    ],
    Q(
        "Do other devices on the same switch / VLAN get an address?",
        (
            "Yes, only this device fails",
            A(
                "Run ipconfig /release and /renew; check the port's VLAN and patch cable.",
                ("Renewed", S("Device got a lease after a port / cable fix.")),
            ),
        ),
        (
            "No, nobody gets an address",
            Q(
                "Is the DHCP scope exhausted (Address Leases full in the DHCP console)?",
                (
                    "Yes",
                    A(
                        "Shorten the lease time and delete stale leases, or extend the scope.",
                        ("Extended", S("Scope had no free addresses; extended it and devices got leases.")),
                    ),
                ),
                (
                    "No",
                    A(
                        "Check the DHCP Server service and the IP helper / relay on the VLAN interface.",
                        ("Fixed", S("DHCP relay restored on the core switch; clients get addresses.")),
                    ),
                ),
            ),
        ),
    ),
    weight=0.8,
)

NET_WIFI = flow(
    "net_wifi",
    "Wi-Fi drops or cannot connect",
    "networking",
    "Laptop cannot join the corporate Wi-Fi or the connection keeps dropping.",
    ["wifi", "wi-fi", "wireless", "drops", "disconnects", "ssid", "802.1x"],
    [
        ("Wi-Fi keeps dropping", "Laptop loses Wi-Fi every 10 minutes in the meeting rooms."),
        ("Cannot connect to Wi-Fi", "NW-CORP says 'can't connect to this network'."),
    ],
    Q(
        "Is the problem 'cannot connect at all' or 'connects but drops'?",
        (
            "Cannot connect",
            A(
                "Check the 802.1X machine certificate is valid (certlm.msc) and the device is in the Wi-Fi AD group.",
                ("Fixed", S("Expired machine certificate renewed with gpupdate /force; laptop joins NW-CORP.")),
            ),
        ),
        (
            "Connects but drops",
            Q(
                "Do other users in the same area drop too?",
                ("Yes", S("Access point problem: raise with the network team with AP name and times.")),
                (
                    "No, only this laptop",
                    A(
                        "Update the Wi-Fi driver from the vendor and disable 'Allow the computer "
                        "to turn off this device to save power'.",
                        ("Updated", S("Driver update and power setting fixed the drops.")),
                    ),
                ),
            ),
        ),
    ),
    weight=0.9,
)

VPN_CLIENT_ERROR = flow(
    "vpn_client_error",
    "VPN client will not connect",
    "vpn",
    "The remote access VPN (FortiClient / Windows Always On VPN) fails to connect.",
    ["vpn", "vpn error", "forticlient", "cannot connect vpn", "error 809", "error 720", "remote access"],
    [
        ("VPN not connecting", "VPN client fails to connect from home since this morning."),
        ("VPN error when connecting", "Gets an error in the VPN client and cannot reach anything."),
        ("Cannot connect to VPN from hotel", "Hotel Wi-Fi, VPN just says connection failed."),
    ],
    Q(
        "Does the user have internet access without the VPN?",
        (
            "No",
            S("Fix the local internet connection first (router, hotspot); the VPN needs it."),
        ),
        (
            "Yes",
            Q(
                "What error does the VPN client show?",
                (
                    "Credential / authentication error",
                    A(
                        "Check the user is in the VPN-Users group and the password is not expired; reset MFA if the "
                        "push times out.",
                        ("Fixed", S("Added to VPN-Users / password renewed; VPN connects.")),
                    ),
                ),
                (
                    "Timeout / cannot reach gateway",
                    A(
                        "Test with a phone hotspot: hotel and guest networks often block IPsec (UDP 500/4500).",
                        (
                            "Works on hotspot",
                            S("The local network blocks IPsec; switched the profile to SSL VPN on TCP 443."),
                        ),
                    ),
                ),
                (
                    "Other error",
                    S("Collect the client log and escalate to the network team."),
                ),
                weak=True,
                escapes=(
                    E(
                        "Error 809: the network connection between your computer and the VPN server could not be "
                        "established",
                        [
                            "Confirmed UDP 500/4500 is blocked by the home router's IPsec passthrough setting",
                            "Switched the user to the SSL VPN profile on TCP 443",
                        ],
                        "Error 809 was blocked IPsec; the SSL VPN profile connects.",
                    ),
                    E(
                        "Error 720: a connection to the remote computer could not be established",
                        [
                            "Reset the WAN Miniport adapters in Device Manager (uninstall, scan for hardware changes)",
                            "Re-ran netsh int ip reset and rebooted",
                        ],
                        "WAN Miniport adapters were broken; reinstalling them fixed error 720.",
                    ),
                    E(
                        "Certificate error: the server certificate is not trusted / expired",
                        [
                            "Checked the gateway certificate: renewed last night, intermediate CA missing on laptops",
                            "Pushed the intermediate certificate with Intune",
                        ],
                        "Gateway certificate chain incomplete after renewal; deployed the intermediate CA.",
                    ),
                    E(
                        "Credential prompt keeps coming back, never says wrong password",
                        [
                            "Found the user's UPN suffix changed, VPN expects sAMAccountName",
                            "Had the user sign in as NORTHWIND\\username",
                        ],
                        "VPN needs the down-level logon name since the UPN change; user connects with DOMAIN\\user.",
                    ),
                    E(
                        "FortiClient stuck at 40%",
                        [
                            "Known FortiClient 7.0.x bug with IPv6 on some ISPs",
                            "Disabled IPv6 on the adapter and upgraded FortiClient to 7.2",
                        ],
                        "FortiClient 40% hang fixed by upgrading the client to 7.2.",
                    ),
                ),
            ),
        ),
    ),
    weight=2.0,
)

VPN_NO_RESOURCES = flow(
    "vpn_no_resources",
    "VPN connected but no access to internal resources",
    "vpn",
    "The VPN says connected but file shares, intranet or RDP do not work.",
    ["vpn connected", "no access", "split tunnel", "file share over vpn", "mapped drives vpn"],
    [
        ("VPN connected but cannot open shares", "VPN shows connected but the S: drive is unavailable."),
        ("Cannot reach intranet over VPN", "Intranet times out while on VPN, internet is fine."),
    ],
    Q(
        "Can the user ping an internal server by IP address?",
        (
            "No",
            Q(
                "Does the user's home network use the same subnet as the office (e.g. 192.168.1.0/24)?",
                ("Yes", S("Subnet overlap: change the home router's LAN range or use the full-tunnel profile.")),
                (
                    "No",
                    A(
                        "Check the pushed routes (route print) and the split-tunnel address list on the gateway.",
                        ("Route added", S("Missing route for the new server VLAN added to the split tunnel.")),
                    ),
                ),
            ),
        ),
        (
            "Yes, by IP only",
            A(
                "Names do not resolve: check the VPN adapter has the internal DNS servers and the DNS suffix.",
                ("Fixed", S("Internal DNS pushed on the VPN adapter; shares open by name.")),
            ),
        ),
        (
            "Yes, by name too",
            A(
                "Reconnect mapped drives (net use) now that the VPN is up, or enable 'Always wait for the network'.",
                ("Reconnected", S("Drives were mapped before the VPN came up; remapped them.")),
            ),
        ),
    ),
    weight=1.1,
)

VPN_DROPS = flow(
    "vpn_drops",
    "VPN disconnects every few minutes",
    "vpn",
    "The VPN connects but drops repeatedly, interrupting Teams calls and file copies.",
    ["vpn drops", "vpn disconnects", "unstable vpn", "vpn timeout", "dpd"],
    [
        ("VPN keeps disconnecting", "VPN disconnects every 5-10 minutes."),
        ("VPN unstable on 4G", "VPN drops constantly on mobile hotspot."),
    ],
    Q(
        "Does it drop on every network or only on one (home Wi-Fi, hotspot)?",
        (
            "Only one network",
            S("The local network is unstable (Wi-Fi signal, carrier NAT timeouts); use a cable or another network."),
        ),
        (
            "Every network",
            A(
                "Update the VPN client and turn off the Wi-Fi adapter's power saving.",
                (
                    "Still drops",
                    A(
                        "Collect the client log; check the gateway's DPD and idle timeout settings.",
                        ("Timeout raised", S("Gateway idle timeout was 5 minutes; raised to 8 hours.")),
                    ),
                ),
            ),
        ),
    ),
    weight=0.7,
)

PRINT_SPOOLER = flow(
    "print_spooler",
    "Print jobs stuck / spooler crashes",
    "printers",
    "Documents sit in the print queue and nothing prints, or the Print Spooler service keeps stopping.",
    ["print", "printer", "spooler", "print queue", "stuck jobs", "cannot print"],
    [
        ("Cannot print", "Jobs stay in the queue with 'Error - Printing'."),
        ("Print spooler keeps stopping", "Print spooler service stops on the print server every hour."),
        ("Printer queue stuck", "Nothing prints, queue has 30 documents."),
    ],
    Q(
        "Is it one user's PC or everyone printing to that print server?",
        (
            "One PC",
            A(
                "Stop the Print Spooler, delete C:\\Windows\\System32\\spool\\PRINTERS\\*, start the spooler.",
                ("Cleared", S("Stuck job cleared on the PC; printing works.")),
            ),
        ),
        (
            "Everyone",
            Q(
                "Does the spooler service on the server crash (event 7031 / 7034)?",
                (
                    "Yes",
                    A(
                        "Isolate the driver (Print Management > driver isolation) and update the faulting "
                        "driver named in the application log.",
                        ("Updated", S("Faulting driver replaced; spooler stable.")),
                    ),
                ),
                (
                    "No, it runs",
                    A(
                        "Clear the server queue and restart the spooler out of hours.",
                        ("Cleared", S("Server queue cleared; jobs flow again.")),
                    ),
                ),
            ),
        ),
        escapes=(
            E(
                "Only PDFs from one app fail, Word prints fine",
                [
                    "Printed the PDF as image from Acrobat as a test: worked",
                    "Switched the printer to the PCL6 driver instead of PostScript",
                ],
                "PostScript driver choked on the PDFs; the PCL6 driver prints them.",
            ),
        ),
    ),
    weight=1.2,
)

PRINT_OFFLINE = flow(
    "print_offline",
    "Printer shows offline or is missing",
    "printers",
    "A network printer appears offline or the mapped printer disappeared from the user's PC.",
    ["printer offline", "printer missing", "add printer", "printer not showing", "gpo printer"],
    [
        ("Printer offline", "Printer on 2nd floor shows Offline in Windows."),
        ("Printer disappeared", "The office printer is gone from the list after restart."),
    ],
    Q(
        "Does the printer's IP address answer a ping?",
        (
            "No",
            A(
                "Check the printer's display for its IP; if DHCP changed it, set a reservation and fix the port.",
                ("Fixed", S("Printer had a new DHCP address; reservation created and port updated.")),
            ),
        ),
        (
            "Yes",
            Q(
                "Is the printer deployed by Group Policy to this user?",
                (
                    "Yes",
                    A(
                        "Run gpupdate /force and check the user is in the printer's security group.",
                        ("Mapped", S("Printer re-mapped after the group membership was fixed.")),
                    ),
                ),
                (
                    "No",
                    A("Add it manually from \\\\NW-PRINT-01.", ("Added", S("Printer added from the print server."))),
                ),
            ),
        ),
        escapes=(
            E(
                "Printer is a Universal Print printer, not on the print server",
                [
                    "Checked Universal Print in Entra: printer share not assigned to the user's group",
                    "Added the group to the share and had the user add the printer from Settings",
                ],
                "Universal Print share was not assigned to the user; assigned it and the printer appears.",
                free_text=False,
            ),
        ),
    ),
    weight=0.8,
)

add_escapes(
    NET_DHCP,
    "q1",
    E(
        "Only Macs fail, Windows PCs are fine",
        [
            "Found the Macs use randomized (private) MAC addresses blocked by port security",
            "Turned off Private Wi-Fi Address for the corporate network",
        ],
        "Port security rejected randomized MACs; private addresses disabled for the corporate SSID.",
    ),
)
add_escapes(
    NET_WIFI,
    "q1",
    E(
        "Only fails in one meeting room since the new TV was installed",
        ["Wi-Fi analyser shows the TV's own hotspot on channel 36", "Disabled the TV's screen-mirroring hotspot"],
        "The new TV's hotspot interfered with the access point; disabled it.",
    ),
)
add_escapes(
    VPN_NO_RESOURCES,
    "q1",
    E(
        "Only the new ERP server is unreachable",
        ["The ERP server is on the new 10.20.30.0/24 VLAN", "Added the subnet to the VPN's split-tunnel list"],
        "New server subnet missing from the split tunnel; added it.",
    ),
)
add_escapes(
    VPN_DROPS,
    "q1",
    E(
        "Drops exactly every 8 hours",
        ["Matched the drops to the IPsec phase 1 lifetime", "Enabled make-before-break rekeying on the gateway"],
        "Rekey at the 8-hour lifetime dropped the tunnel; enabled make-before-break.",
    ),
)
