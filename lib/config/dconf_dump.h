/*
 * dconf_dump - doveconf's output formats for a loaded configuration.
 *
 * Human form (doveconf, -a, -n, -N, -d): "key = value" lines and
 * "type name {" ... "}" blocks, two spaces of indent per level, keys and
 * sections of one level sorted as Dovecot sorts its setting paths (a key
 * ends before any longer key; section names compare in their escaped form,
 * so "Sent" precedes "Sent Messages"), filter blocks after everything else
 * in Dovecot's specificity order.  Secrets (non-empty values of keys ending
 * in _password, _key, _nonce, or starting with ssl_dh) print as
 * "# hidden, use -P to show it" unless DCONF_DUMP_SECRETS.
 *
 * Simple form (doveconf -S): "path=value" in Dovecot's internal order,
 * section lists as "service=auth imap ...", paths "service/auth/user".
 *
 * Output is appended to a buf; nothing is printed here.
 */
#ifndef PC_CONFIG_DCONF_DUMP_H
#define PC_CONFIG_DCONF_DUMP_H

#include "config/dconf.h"
#include "core/buf.h"

#define DCONF_DUMP_CHANGED	(1u << 0)	/* -n: set and different from the default */
#define DCONF_DUMP_SET		(1u << 1)	/* -N: set in the file */
#define DCONF_DUMP_SECRETS	(1u << 2)	/* -P: show hidden values */
#define DCONF_DUMP_EXPAND	(1u << 3)	/* -x: $name and <file expanded */
#define DCONF_DUMP_VALUE_ONLY	(1u << 4)	/* -h: values without "key = " */

/* dconf_dump_human - the whole configuration in the human form */
void dconf_dump_human(const struct dconf *cfg, unsigned flags, struct buf *out);
/* dconf_dump_simple - doveconf -S */
void dconf_dump_simple(const struct dconf *cfg, unsigned flags, struct buf *out);
/*
 * dconf_dump_names - doveconf NAME...: a global ("ssl"), a path to a
 * setting ("service/auth/user", "plugin/quota") or to a section
 * ("service/auth", "passdb", "namespace/inbox").  Sections print as blocks
 * (first), settings as "name = value" (or the value alone with
 * DCONF_DUMP_VALUE_ONLY); secrets are shown.  Unknown names print nothing.
 */
void dconf_dump_names(const struct dconf *cfg, const char *const *names, unsigned flags,
		      struct buf *out);

#endif
