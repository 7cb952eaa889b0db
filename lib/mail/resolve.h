/*
 * resolve - the address class of a domain and where mail for it goes, as
 * Postfix's trivial-rewrite decides (ADDRESS_CLASS_README): one function
 * for smtpd's restrictions, cleanup and qmgr.
 *
 * Classes, checked in this order:
 *   RESOLVE_LOCAL          mydestination (exact match, also $inet_interfaces
 *                          and $proxy_interfaces as [address] literals), or no domain
 *   RESOLVE_VIRTUAL_ALIAS  virtual_alias_domains
 *   RESOLVE_VIRTUAL_MAILBOX virtual_mailbox_domains
 *   RESOLVE_RELAY          relay_domains (parent domains match subdomains as
 *                          parent_domain_matches_subdomains says)
 *   RESOLVE_DEFAULT        everything else
 * Each domain list may contain names, "/file/name" (one per line) and
 * "type:table" lookups (a found key matches).  A table lookup error makes
 * the result RESOLVE_ERROR: the caller defers (451 4.3.0) instead of
 * rejecting.
 *
 * resolve_transport() gives transport and nexthop for a recipient:
 * transport_maps first (full address, then domain, parent domains, "*"),
 * else by class: local_transport, virtual_transport, relay_transport,
 * default_transport; relayhost for the default class.
 *
 * A struct resolver caches the opened tables; create once per process.
 */
#ifndef PC_MAIL_RESOLVE_H
#define PC_MAIL_RESOLVE_H

struct pfconf;
struct resolver;

enum resolve_class {
	RESOLVE_ERROR = -1,
	RESOLVE_LOCAL = 0,
	RESOLVE_VIRTUAL_ALIAS,
	RESOLVE_VIRTUAL_MAILBOX,
	RESOLVE_RELAY,
	RESOLVE_DEFAULT,
};

struct resolver *resolver_create(struct pfconf *cfg);
void resolver_destroy(struct resolver **rp);

/*
 * resolve_address - the address Postfix would actually deliver to, and
 * its class: for an address in a local domain (or without a domain), a
 * local part that still holds a routing operator is resolved again:
 * a quoted '@' ("user@remote"@local, resolve_dequoted_address), the
 * percent hack (user%remote@local, allow_percent_hack) and bang paths
 * (remote!user@local, swap_bangpath).  Trailing dots of the domain are
 * ignored and domains compare case-insensitively.  *final_r is malloc'ed.
 * Returns the class (RESOLVE_ERROR with *error_r on a table error).
 */
enum resolve_class resolve_address(struct resolver *r, const char *addr, char **final_r,
				   const char **error_r);

/* resolve_domain_class - class of a domain ("" = local); error text via *error_r */
enum resolve_class resolve_domain_class(struct resolver *r, const char *domain, const char **error_r);

/*
 * resolve_transport - for a recipient address: *transport_r ("local",
 * "smtp", "error", ...) and *nexthop_r (domain, "[host]:port", or the
 * error text for "error:"), both valid until the next call.  0, or -1 with
 * *error_r on a table error (defer).
 */
int resolve_transport(struct resolver *r, const char *addr, enum resolve_class *class_r,
		      const char **transport_r, const char **nexthop_r, const char **error_r);

/*
 * resolve_local_user - for a local-class address: 1 when local_recipient_maps
 * knows it (any table finds the local part, stripped of its extension, or
 * the full address), 0 when none does, -1 on a table error.  An empty
 * local_recipient_maps accepts everyone (1).
 */
int resolve_local_user(struct resolver *r, const char *addr, const char **error_r);

/* resolve_list_match - generic Postfix domain-list match for another parameter (relay_domains-style) */
int resolve_list_match(struct resolver *r, const char *param, const char *domain, const char **error_r);

#endif
