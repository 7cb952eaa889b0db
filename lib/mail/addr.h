/*
 * addr - RFC 5321/5322 mailbox addresses as the mail path handles them.
 *
 * Internal form (what queue files, maps and logs carry): the address with
 * its local part unquoted ("john doe@example.com"), as Postfix keeps it.
 * External form (SMTP commands, headers): the local part quoted when it
 * needs quoting ("\"john doe\"@example.com").
 *
 * addr_split()   local part / domain at the last '@' (no '@': domain "").
 * addr_parse_path() takes the argument of MAIL FROM:/RCPT TO: as smtpd
 *                receives it ("<user@domain> SIZE=..."), strips the angle
 *                brackets and an RFC 5321 source route ("@a,@b:user@c"),
 *                unquotes the local part and returns the rest (ESMTP
 *                parameters).  Errors name what is wrong in Postfix's words
 *                ("Syntax error in parameters", "Bad recipient address syntax").
 * addr_quote()   external form of an internal address.
 * addr_strip_extension() "user+ext@d" -> "user@d" with the extension, for the
 *                recipient_delimiter characters given.
 *
 * Results are malloc'ed unless noted; errors are static strings.
 */
#ifndef PC_MAIL_ADDR_H
#define PC_MAIL_ADDR_H

#include <stddef.h>

#define ADDR_MAX 2048	/* longest address accepted anywhere */

/* addr_split - *local_r and *domain_r (malloc'ed) from the last '@' */
void addr_split(const char *addr, char **local_r, char **domain_r);
/* addr_domain - pointer to the domain part (after the last '@') or "" */
const char *addr_domain(const char *addr);

/*
 * addr_parse_path - parse "<path> params" (the text after "MAIL FROM:" or
 * "RCPT TO:"; leading spaces allowed).  With strict (smtpd_strict_rfc821_envelopes)
 * the angle brackets are required.  On success 0, *addr_r (internal form,
 * "" for "<>"), *params_r (pointer into text, after the path and spaces).
 * -1 with *error_r on a syntax error.
 */
int addr_parse_path(const char *text, int strict, char **addr_r, const char **params_r,
		    const char **error_r);

/* addr_quote - external form: quote the local part if it needs it */
char *addr_quote(const char *addr);
/* addr_needs_quote - the local part has characters outside RFC 5321 dot-atom */
int addr_needs_quote(const char *local);

/*
 * addr_strip_extension - with delims (recipient_delimiter, e.g. "+"),
 * return "user@domain" and put "ext" in *ext_r (both malloc'ed); NULL when
 * the local part has no delimiter (or delims is empty).  "owner-" and
 * "-request" special cases are the caller's business.
 */
char *addr_strip_extension(const char *addr, const char *delims, char **ext_r);

/* addr_fold - lower-case a copy of the domain part (the local part keeps its case) */
char *addr_fold_domain(const char *addr);
/* addr_lower - lower-case copy of the whole address (map keys) */
char *addr_lower(const char *addr);

/* addr_valid_hostname - RFC 1123 host name (labels of [A-Za-z0-9-], no leading/trailing '-') */
int addr_valid_hostname(const char *name);
/* addr_is_fqdn - valid hostname with at least one dot */
int addr_is_fqdn(const char *name);
/* addr_is_ip_literal - "[1.2.3.4]" or "[ipv6:...]"; *addr_r gets the address text (static) */
int addr_is_ip_literal(const char *domain, const char **addr_r);

#endif
