#!/usr/bin/env python3
"""gen_pfparam.py - generate pfparam_table.c from a `postconf -d` listing.

Run once by hand (not at build time):
    lib/config/gen_pfparam.py ../shared/compat/debian-postfix-3.7/postconf-d.txt > lib/config/pfparam_table.c
The listing supplies each parameter's name and Postfix 3.7's raw default;
the type is inferred from the default (yes/no -> bool, digits -> int,
digits+unit -> time with that default unit) and then corrected by the
OVERRIDES table below.  Host- and install-derived defaults are marked
with a default function (pfparam.c) instead of the literal text.
The generated file is committed: it is the parameter table.
"""
import re
import sys

# name -> default function (pfparam.c): values derived from the host or ./configure
FUNCS = {
    "myhostname": "pfparam_def_myhostname",
    "mydomain": "pfparam_def_mydomain",
    "mynetworks": "pfparam_def_mynetworks",
    "process_id": "pfparam_def_process_id",
    "process_name": "pfparam_def_process_name",
    "config_directory": "pfparam_def_config_directory",
    "queue_directory": "pfparam_def_queue_directory",
    "data_directory": "pfparam_def_data_directory",
    "daemon_directory": "pfparam_def_daemon_directory",
    "command_directory": "pfparam_def_command_directory",
    "meta_directory": "pfparam_def_config_directory",
    "sample_directory": "pfparam_def_config_directory",
    "shlib_directory": "pfparam_def_daemon_directory",
    "sendmail_path": "pfparam_def_sendmail_path",
    "newaliases_path": "pfparam_def_newaliases_path",
    "mailq_path": "pfparam_def_mailq_path",
    "manpage_directory": "pfparam_def_manpage_directory",
    "html_directory": "pfparam_def_html_directory",
    "readme_directory": "pfparam_def_readme_directory",
}

# parameters whose inferred type is wrong
OVERRIDES = {
    # numbers that are really times in seconds with unit s
    "smtpd_timeout": ("TIME", "s"),
    "smtpd_error_sleep_time": ("TIME", "s"),
    "smtpd_soft_error_limit": ("INT", None),
    "smtpd_hard_error_limit": ("INT", None),
    "address_verify_poll_count": ("INT", None),
    "maximal_queue_lifetime": ("TIME", "d"),
    "bounce_queue_lifetime": ("TIME", "d"),
    "delay_warning_time": ("TIME", "h"),
    "max_idle": ("TIME", "s"),
    "max_use": ("INT", None),
    "ipc_idle": ("TIME", "s"),
    "ipc_timeout": ("TIME", "s"),
    "ipc_ttl": ("TIME", "s"),
    "service_throttle_time": ("TIME", "s"),
    "in_flow_delay": ("TIME", "s"),
    "queue_run_delay": ("TIME", "s"),
    "minimal_backoff_time": ("TIME", "s"),
    "maximal_backoff_time": ("TIME", "s"),
    "daemon_timeout": ("TIME", "s"),
    "command_time_limit": ("TIME", "s"),
    "lmtp_tcp_port": ("STR", None),
    "mail_version": ("STR", None),
    "compatibility_level": ("STR", None),
    "message_size_limit": ("LONG", None),
    "mailbox_size_limit": ("LONG", None),
    "virtual_mailbox_limit": ("LONG", None),
    "header_size_limit": ("INT", None),
    "queue_minfree": ("LONG", None),
    "lmdb_map_size": ("LONG", None),
    "process_id": ("INT", None),
}

# Postfix's lower bounds for the integers postcote reads (postconf reports
# "invalid NAME parameter value N < MIN").
MINS = {
    "default_process_limit": 1,
    "message_size_limit": 0,
    "header_size_limit": 1,
    "line_length_limit": 2,
    "max_use": 1,
    "smtpd_soft_error_limit": 1,
    "smtpd_hard_error_limit": 1,
    "hopcount_limit": 1,
    "default_destination_recipient_limit": 1,
}


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def infer(name, value):
    if name in OVERRIDES:
        return OVERRIDES[name]
    if value in ("yes", "no"):
        return ("BOOL", None)
    if re.fullmatch(r"-?\d+", value):
        return ("INT", None)
    m = re.fullmatch(r"\d+([smhdw])", value)
    if m:
        return ("TIME", m.group(1))
    m = re.search(r"\}([smhdw])$", value)
    if m and value.startswith("${"):
        return ("TIME", m.group(1))
    return ("STR", None)


def main():
    rows = []
    for line in open(sys.argv[1]):
        line = line.rstrip("\n")
        if not line:
            continue
        if " = " in line:
            name, value = line.split(" = ", 1)
        elif line.endswith(" ="):
            name, value = line[:-2], ""
        else:
            raise SystemExit("bad line: %r" % line)
        rows.append((name, value))
    rows.sort()
    print("/*")
    print(" * pfparam_table.c - every main.cf parameter Postfix 3.7 knows, with its")
    print(" * built-in default.  Generated once by gen_pfparam.py from the real")
    print(" * `postconf -d` output (shared/compat/debian-postfix-3.7/postconf-d.txt);")
    print(" * edit this file directly from now on.  Sorted by name (binary search).")
    print(" */")
    print('#include "config.h"')
    print()
    print('#include "config/pfparam.h"')
    print()
    print("const struct pfparam pfparam_table[] = {")
    for name, value in rows:
        typ, unit = infer(name, value)
        fn = FUNCS.get(name, "NULL")
        mn = MINS.get(name, 0)
        has_min = 1 if name in MINS else 0
        print("\t{ %s, PFPARAM_%s, %s, '%s', %d, %d, %s }," % (
            cstr(name), typ, cstr(value), unit or "\\0", has_min, mn, fn))
    print("};")
    print()
    print("const size_t pfparam_count = sizeof(pfparam_table) / sizeof(pfparam_table[0]);")


if __name__ == "__main__":
    main()
