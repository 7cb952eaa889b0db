/*
 * proto.c - auth protocol line syntax (see proto.h).
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int proto_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');

		if (n == max)
			return -1;
		fields[n++] = p;
		if (tab == NULL)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

void proto_unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s != '\001' || s[1] == '\0') {
			*w++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case '1': *w++ = '\001'; break;
		case 't': *w++ = '\t'; break;
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		default: *w++ = *s; break;
		}
	}
	*w = '\0';
}

void proto_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\001': buf_append(out, "\0011", 2); break;
		case '\t': buf_append(out, "\001t", 2); break;
		case '\r': buf_append(out, "\001r", 2); break;
		case '\n': buf_append(out, "\001n", 2); break;
		default: buf_append_c(out, *s); break;
		}
	}
}

int proto_parse_uint(const char *s, unsigned *value_r)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT_MAX)
			return -1;
	}
	*value_r = (unsigned)v;
	return 0;
}

int proto_parse_id(const char *s, unsigned *id_r)
{
	if (proto_parse_uint(s, id_r) < 0 || *id_r == 0)
		return -1;
	return 0;
}

/* param_value - value of "name=value" if field starts with name=, else NULL */
static const char *param_value(char *field, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(field, name, n) == 0 && field[n] == '=') {
		proto_unescape(field + n + 1);
		return field + n + 1;
	}
	return NULL;
}

/* string parameters, by name, and where they go */
struct param_slot {
	const char *name;
	size_t offset;
};
#define SLOT(n, m) { n, offsetof(struct proto_params, m) }
static const struct param_slot param_slots[] = {
	SLOT("service", service), SLOT("lip", lip), SLOT("rip", rip),
	SLOT("lport", lport), SLOT("rport", rport), SLOT("real_lip", real_lip),
	SLOT("real_rip", real_rip), SLOT("real_lport", real_lport),
	SLOT("real_rport", real_rport), SLOT("local_name", local_name),
	SLOT("session", session), SLOT("client_id", client_id),
	SLOT("cert_username", cert_username),
};

/* parse_flag - the bare-word parameters */
static int parse_flag(const char *f, struct proto_params *p)
{
	if (strcmp(f, "secured") == 0 || strncmp(f, "secured=", 8) == 0)
		p->secured = 1;
	else if (strcmp(f, "valid-client-cert") == 0)
		p->valid_client_cert = 1;
	else if (strcmp(f, "no-penalty") == 0)
		p->no_penalty = 1;
	else if (strcmp(f, "debug") == 0)
		p->debug = 1;
	else if (strcmp(f, "final-resp-ok") == 0)
		p->final_resp_ok = 1;
	else
		return 0;
	return 1;
}

void proto_parse_params(char **fields, int n, struct proto_params *p)
{
	int i;
	size_t k;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++) {
		const char *v;

		if (p->resp != NULL)
			p->resp_not_last = 1;
		if (strncmp(fields[i], "resp=", 5) == 0) {
			p->resp = fields[i] + 5;
			continue;
		}
		if (parse_flag(fields[i], p))
			continue;
		for (k = 0; k < sizeof(param_slots) / sizeof(param_slots[0]); k++) {
			if ((v = param_value(fields[i], param_slots[k].name)) != NULL) {
				*(const char **)((char *)p + param_slots[k].offset) = v;
				break;
			}
		}
	}
}
