/*
 * varexp - Dovecot's %-variable templates: "%u", "%Ln", "%{user}",
 * "%{if;...}" and friends, as used by auth_username_format, passwd-file
 * paths, default_fields/override_fields, mail_location, userdb templates.
 *
 * Syntax (shared/spec/dovecot-config.md section 2.1): %x with a one-letter
 * key or %{name} with a long key; modifiers between % and the key: L lower
 * case, U upper case, E escape \ and ', R reverse, H hash, M MD5 hex, X
 * hex, D domain-to-DN, T trim, N new-hash, a width/offset "%1n", "%-3.2u";
 * %% is a literal %.  %{if;a;op;b;then;else} with == != < <= > >= eq ne
 * lt le gt ge *, !*, ~, !~ (as Dovecot 2.3).
 *
 * The caller supplies a table of known variables; a key not in it is an
 * error "Unknown variable '%x'" (the output still gets the rest of the
 * template, so callers may log and continue).  A value NULL means "known
 * but empty".
 */
#ifndef PC_CORE_VAREXP_H
#define PC_CORE_VAREXP_H

#include "core/buf.h"

struct varexp_entry {
	char key;		/* one-letter key, '\0' if the variable only has a long name */
	const char *long_key;	/* "user", "username", ...; NULL if none */
	const char *value;
};

/*
 * varexp - append the expansion of tmpl to out.  table ends with an entry
 * whose key is '\0' and long_key NULL.  Returns 1 on success, 0 when an
 * unknown variable was met (*error_r says which), -1 on a syntax error.
 */
int varexp(struct buf *out, const char *tmpl, const struct varexp_entry *table,
	   const char **error_r);
/* varexp_has_key - tmpl references key (one letter) or long_key, e.g. does a path use %u */
int varexp_has_key(const char *tmpl, char key, const char *long_key);

#endif
