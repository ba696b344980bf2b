"""What the outbound guard's tests share: the hosts that lead to the server's own network."""

# As they stand in an address typed into a form (brackets and all). The IPv4 ones lead to the
# listener on 127.0.0.1 (the system's resolver reads the decimal, hex, octal and short forms);
# the others to this machine or a network it sits on.
OWN_NETWORK_HOSTS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST.",
    "2130706433",
    "0x7f000001",
    "0x7f.1",
    "127.1",
    "0177.0.0.1",
    "0.0.0.0",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[fe80::1]",
    "[fc00::1]",
    "10.0.0.1",
    "169.254.169.254",
    "192.168.1.1",
    "100.64.0.1",
]
