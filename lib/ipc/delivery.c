/*
 * delivery - delivery agent side of the delivery protocol (see delivery.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/stream.h"
#include "ipc/attr.h"
#include "ipc/delivery.h"

static char errbuf[256];

/* now - epoch seconds */
static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* dup_attr - copy of an attribute, "" when absent */
static char *dup_attr(const struct attr_list *l, const char *name)
{
	const char *v = attr_get(l, name);

	return xstrdup(v != NULL ? v : "");
}

/* parse_time - "sec.usec" (0 when absent or malformed) */
static double parse_time(const struct attr_list *l, const char *name)
{
	const char *v = attr_get(l, name);
	char *end;
	double t;

	if (v == NULL)
		return 0;
	t = strtod(v, &end);
	return *end == '\0' && t >= 0 ? t : 0;
}

int delivery_read_request(struct stream *s, struct delivery_request *req, const char **error_r)
{
	struct attr_list l;
	struct delivery_rcpt *cur = NULL;
	size_t i;
	int r, bad = 0;

	memset(req, 0, sizeof(*req));
	req->started = now();
	attr_list_init(&l);
	r = attr_read(s, &l, error_r);
	if (r <= 0) {
		if (r == 0)
			*error_r = "no request";
		attr_list_deinit(&l);
		return -1;
	}
	for (i = 0; i < attr_count(&l); i++) {
		const char *n = l.names.v[i], *v = l.values.v[i];

		if (strcmp(n, "rcpt") == 0) {
			if (req->nrcpt >= DELIVERY_RCPT_MAX) {
				*error_r = "too many recipients in one request";
				bad = 1;
				break;
			}
			req->rcpt = xreallocarray(req->rcpt, req->nrcpt + 1, sizeof(*req->rcpt));
			cur = &req->rcpt[req->nrcpt++];
			memset(cur, 0, sizeof(*cur));
			cur->address = xstrdup(v);
			cur->orig = xstrdup("");
			cur->orcpt = xstrdup("");
			cur->notify = xstrdup("");
			cur->index = (long)req->nrcpt - 1;
		} else if (cur != NULL && strcmp(n, "orig_rcpt") == 0) {
			xfree(cur->orig);
			cur->orig = xstrdup(v);
		} else if (cur != NULL && strcmp(n, "orcpt") == 0) {
			xfree(cur->orcpt);
			cur->orcpt = xstrdup(v);
		} else if (cur != NULL && strcmp(n, "notify") == 0) {
			xfree(cur->notify);
			cur->notify = xstrdup(v);
		} else if (cur != NULL && strcmp(n, "index") == 0) {
			cur->index = atol(v);
		}
	}
	req->queue_name = dup_attr(&l, "queue_name");
	req->queue_id = dup_attr(&l, "queue_id");
	req->queue_file = dup_attr(&l, "queue_file");
	req->sender = dup_attr(&l, "sender");
	req->transport = dup_attr(&l, "transport");
	req->nexthop = dup_attr(&l, "nexthop");
	req->dsn_envid = dup_attr(&l, "dsn_envid");
	req->dsn_ret = dup_attr(&l, "dsn_ret");
	req->body_type = dup_attr(&l, "body_type");
	req->smtputf8 = attr_get(&l, "smtputf8") != NULL && strcmp(attr_get(&l, "smtputf8"), "1") == 0;
	req->arrival = parse_time(&l, "arrival");
	req->active = parse_time(&l, "active");
	attr_list_deinit(&l);
	if (bad)
		return -1;
	if (*req->queue_id == '\0' || *req->queue_file == '\0' || req->nrcpt == 0
	    || strstr(req->queue_file, "..") != NULL || req->queue_file[0] == '/') {
		snprintf(errbuf, sizeof(errbuf), "malformed request (queue_id, queue_file or rcpt)");
		*error_r = errbuf;
		return -1;
	}
	return 0;
}

void delivery_request_deinit(struct delivery_request *req)
{
	size_t i;

	for (i = 0; i < req->nrcpt; i++) {
		xfree(req->rcpt[i].address);
		xfree(req->rcpt[i].orig);
		xfree(req->rcpt[i].orcpt);
		xfree(req->rcpt[i].notify);
	}
	xfree(req->rcpt);
	xfree(req->queue_name);
	xfree(req->queue_id);
	xfree(req->queue_file);
	xfree(req->sender);
	xfree(req->transport);
	xfree(req->nexthop);
	xfree(req->dsn_envid);
	xfree(req->dsn_ret);
	xfree(req->body_type);
	memset(req, 0, sizeof(*req));
}

void delivery_mark_connected(struct delivery_request *req)
{
	req->connected = now();
}

void delivery_format_delay(double secs, char *buf, size_t size)
{
	char *dot;
	size_t len;

	if (secs < 0.005) {
		snprintf(buf, size, "0");
		return;
	}
	if (secs >= 10) {
		snprintf(buf, size, "%.0f", secs);
		return;
	}
	snprintf(buf, size, secs < 1 ? "%.2f" : "%.1f", secs);
	dot = strchr(buf, '.');
	if (dot == NULL)
		return;
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
}

int delivery_status(struct stream *s, struct delivery_request *req, struct delivery_rcpt *r,
		    const char *relay, const char *dsn, const char *status, const char *reason)
{
	double t = now(), a, b, c, d;
	char total[16], da[16], db[16], dc[16], dd[16];
	double start = req->arrival > 0 ? req->arrival : req->started;
	double active = req->active > 0 ? req->active : start;
	double conn = req->connected > 0 ? req->connected : req->started;

	a = active - start;
	b = req->started - active;
	c = conn - req->started;
	d = t - conn;
	delivery_format_delay(t - start, total, sizeof(total));
	delivery_format_delay(a, da, sizeof(da));
	delivery_format_delay(b, db, sizeof(db));
	delivery_format_delay(c, dc, sizeof(dc));
	delivery_format_delay(d, dd, sizeof(dd));
	if (*r->orig != '\0' && strcmp(r->orig, r->address) != 0)
		msg_info("%s: to=<%s>, orig_to=<%s>, relay=%s, delay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)",
			 req->queue_id, r->address, r->orig, relay, total, da, db, dc, dd, dsn, status, reason);
	else
		msg_info("%s: to=<%s>, relay=%s, delay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)",
			 req->queue_id, r->address, relay, total, da, db, dc, dd, dsn, status, reason);
	r->answered = 1;
	if (attr_writef(s, "index", "%ld", r->index) < 0 || attr_write(s, "status", status) < 0
	    || attr_write(s, "dsn", dsn) < 0 || attr_write(s, "reason", reason) < 0
	    || attr_write(s, "relay", relay) < 0 || attr_end(s) < 0)
		return -1;
	return 0;
}

int delivery_end(struct stream *s)
{
	if (attr_write(s, "end", "1") < 0 || attr_end(s) < 0)
		return -1;
	return 0;
}
