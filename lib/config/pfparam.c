/*
 * pfparam - parameter lookup and the computed defaults (see pfparam.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/pfconf.h"
#include "config/pfparam.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

/* compare - bsearch callback: key is a name */
static int compare(const void *key, const void *elt)
{
	return strcmp(key, ((const struct pfparam *)elt)->name);
}

const struct pfparam *pfparam_find(const char *name)
{
	return bsearch(name, pfparam_table, pfparam_count, sizeof(pfparam_table[0]), compare);
}

const char *pfparam_default(const struct pfparam *p, struct pfconf *cfg)
{
	return p->def_fn != NULL ? p->def_fn(cfg) : p->def;
}

/* cached - keep a computed default for the life of the process */
static const char *cached(char **slot, char *value)
{
	if (*slot == NULL)
		*slot = value;
	else
		xfree(value);
	return *slot;
}

const char *pfparam_def_myhostname(struct pfconf *cfg)
{
	static char *value;
	char name[256];
	struct addrinfo hints, *res = NULL;

	if (value != NULL)
		return value;
	if (gethostname(name, sizeof(name) - 1) < 0)
		msg_fatal("gethostname: %m");
	name[sizeof(name) - 1] = '\0';
	if (strchr(name, '.') == NULL) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(name, NULL, &hints, &res) == 0 && res != NULL
		    && res->ai_canonname != NULL && strchr(res->ai_canonname, '.') != NULL)
			return cached(&value, xstrdup(res->ai_canonname));
		if (res != NULL)
			freeaddrinfo(res);
		/* as Postfix: an unqualified name gets ".localdomain" */
		return cached(&value, xasprintf("%s.localdomain", name));
	}
	return cached(&value, xstrdup(name));
}

const char *pfparam_def_mydomain(struct pfconf *cfg)
{
	const char *host = pfconf_get_nested(cfg, "myhostname");
	const char *dot = strchr(host, '.');

	if (dot == NULL || dot[1] == '\0')
		return "localdomain";
	return dot + 1;
}

/* append_net - one mynetworks item for addr with prefix len bits */
static void append_net(struct buf *b, int family, const void *addr, int bits, int maxbits)
{
	unsigned char net[16];
	char text[INET6_ADDRSTRLEN];
	int bytes = maxbits / 8, i;

	memcpy(net, addr, (size_t)bytes);
	for (i = 0; i < bytes; i++) {
		int keep = bits - i * 8;

		if (keep <= 0)
			net[i] = 0;
		else if (keep < 8)
			net[i] &= (unsigned char)(0xff << (8 - keep));
	}
	inet_ntop(family, net, text, sizeof(text));
	if (b->len > 0)
		buf_append_c(b, ' ');
	if (family == AF_INET6)
		buf_printf(b, "[%s]/%d", text, bits);
	else
		buf_printf(b, "%s/%d", text, bits);
}

/* prefix_len - number of leading one bits in a netmask */
static int prefix_len(const unsigned char *mask, int bytes)
{
	int n = 0, i, bit;

	for (i = 0; i < bytes; i++)
		for (bit = 7; bit >= 0; bit--) {
			if (!(mask[i] & (1 << bit)))
				return n;
			n++;
		}
	return n;
}

/* classful_len - prefix of the class A/B/C network of an IPv4 address */
static int classful_len(const unsigned char *a)
{
	if (a[0] < 128)
		return 8;
	if (a[0] < 192)
		return 16;
	return 24;
}

/* add_family - mynetworks items for all interfaces of one family */
static void add_family(struct buf *b, struct ifaddrs *list, int family, const char *style)
{
	struct ifaddrs *ifa;

	for (ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		const unsigned char *addr, *mask;
		int maxbits, bits;

		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != family
		    || !(ifa->ifa_flags & IFF_UP) || ifa->ifa_netmask == NULL)
			continue;
		if (family == AF_INET) {
			addr = (const unsigned char *)&((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
			mask = (const unsigned char *)&((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
			maxbits = 32;
		} else {
			addr = (const unsigned char *)&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
			mask = (const unsigned char *)&((struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
			maxbits = 128;
		}
		if (strcmp(style, "host") == 0)
			bits = maxbits;
		else if (strcmp(style, "class") == 0 && family == AF_INET)
			bits = classful_len(addr);
		else
			bits = prefix_len(mask, maxbits / 8);
		append_net(b, family, addr, bits, maxbits);
	}
}

const char *pfparam_def_mynetworks(struct pfconf *cfg)
{
	/* depends on mynetworks_style and inet_protocols: recomputed when they change */
	static char *value, *key;
	struct ifaddrs *list;
	struct buf b;
	const char *style = pfconf_get_nested(cfg, "mynetworks_style");
	const char *proto = pfconf_get_nested(cfg, "inet_protocols");
	char *k = xasprintf("%s/%s", style, proto);

	if (key != NULL && strcmp(key, k) == 0) {
		xfree(k);
		return value;
	}
	buf_init(&b, 0);
	if (getifaddrs(&list) == 0) {
		int all = strstr(proto, "all") != NULL;

		if (all || strstr(proto, "ipv4") != NULL)
			add_family(&b, list, AF_INET, style);
		if (all || strstr(proto, "ipv6") != NULL)
			add_family(&b, list, AF_INET6, style);
		freeifaddrs(list);
	}
	xfree(value);
	xfree(key);
	value = buf_steal(&b);
	key = k;
	buf_deinit(&b);
	return value;
}

const char *pfparam_def_process_id(struct pfconf *cfg)
{
	static char text[24];

	snprintf(text, sizeof(text), "%ld", (long)getpid());
	return text;
}

const char *pfparam_def_process_name(struct pfconf *cfg)
{
	return log_prog();
}

const char *pfparam_def_config_directory(struct pfconf *cfg) { return PC_CONFIG_DIR; }
const char *pfparam_def_queue_directory(struct pfconf *cfg) { return PC_QUEUE_DIR; }
const char *pfparam_def_data_directory(struct pfconf *cfg) { return PC_DATA_DIR; }
const char *pfparam_def_daemon_directory(struct pfconf *cfg) { return PC_DAEMON_DIR; }
const char *pfparam_def_command_directory(struct pfconf *cfg) { return PC_COMMAND_DIR; }
const char *pfparam_def_sendmail_path(struct pfconf *cfg) { return PC_COMMAND_DIR "/sendmail"; }
const char *pfparam_def_newaliases_path(struct pfconf *cfg) { return PC_BIN_DIR "/newaliases"; }
const char *pfparam_def_mailq_path(struct pfconf *cfg) { return PC_BIN_DIR "/mailq"; }
const char *pfparam_def_manpage_directory(struct pfconf *cfg) { return PC_MAN_DIR; }
const char *pfparam_def_html_directory(struct pfconf *cfg) { return PC_DOC_DIR "/html"; }
const char *pfparam_def_readme_directory(struct pfconf *cfg) { return PC_DOC_DIR; }
