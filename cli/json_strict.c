/* SPDX-License-Identifier: MIT */
/*
 * What json-c forgives and vsmm does not (issue 15.3): a key repeated in
 * one object (json-c keeps the last value silently), an escaped NUL in a
 * string (json-c's C strings end there, so "0x10\u0000zz" read as "0x10")
 * and a raw control character in a string.  cli_json_parse() runs this
 * over the text after json-c has accepted its syntax; it walks the text
 * itself, decoding every key as JSON defines it, so "\u0072ax" and "rax"
 * are the same key.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* json-c refuses deeper nesting before this runs; a bound of our own all
 * the same, so that the recursion is bounded whatever the input. */
#define MAX_DEPTH 64
#define PATH_LEN 96

struct key {
	char *text; /* decoded, without the quotes; never contains NUL */
	size_t len;
	size_t at; /* byte offset of its opening quote */
};

struct scan {
	const char *t;
	size_t n, i;
	char *err;
	size_t errlen;
};

static int bad(struct scan *s, const char *what)
{
	snprintf(s->err, s->errlen, "invalid JSON at byte %zu: %s", s->i, what);
	return -1;
}

static void skip_ws(struct scan *s)
{
	while (s->i < s->n && strchr(" \t\r\n", s->t[s->i]) && s->t[s->i])
		s->i++;
}

static int hex4(struct scan *s, unsigned *out)
{
	unsigned v = 0;
	if (s->n - s->i < 4)
		return bad(s, "short \\u escape");
	for (int k = 0; k < 4; k++) {
		char c = s->t[s->i++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return bad(s, "bad \\u escape");
	}
	*out = v;
	return 0;
}

/* Append code point cp as UTF-8 (lone surrogates as their 3-byte form, so
 * that equal escapes still compare equal). */
static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One escape after the backslash; writes its bytes to o (at most 4). */
static int unescape(struct scan *s, const char *who, char *o, size_t *olen)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p;
	unsigned cp, lo;
	if (s->i >= s->n)
		return bad(s, "unterminated string");
	char c = s->t[s->i++];
	if (c != 'u') {
		p = c ? strchr(from, c) : NULL;
		if (!p)
			return bad(s, "bad escape");
		o[0] = to[p - from];
		*olen = 1;
		return 0;
	}
	if (hex4(s, &cp))
		return -1;
	if (cp == 0) {
		snprintf(s->err, s->errlen,
			 "%s with an escaped NUL (\\u0000) "
			 "at byte %zu; no vsmm key or value has one",
			 who, s->i - 6);
		return -1;
	}
	/* A high surrogate followed by a low one is one code point. */
	if (cp >= 0xd800 && cp < 0xdc00 && s->n - s->i >= 6 && s->t[s->i] == '\\' &&
	    s->t[s->i + 1] == 'u') {
		size_t save = s->i;
		s->i += 2;
		if (hex4(s, &lo))
			return -1;
		if (lo >= 0xdc00 && lo < 0xe000)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		else
			s->i = save;
	}
	*olen = put_utf8(o, cp);
	return 0;
}

/* A string at s->i (its opening quote): the value at path, or with out a
 * key of the object at path, decoded into a malloc'd buffer. */
static int string(struct scan *s, const char *path, struct key *out)
{
	size_t cap = 16, len = 0;
	char *buf = NULL, who[PATH_LEN + 40];
	if (out)
		snprintf(who, sizeof(who), "%s%sa key", path, *path ? ": " : "");
	else
		snprintf(who, sizeof(who), "%s%sa string", path, *path ? ": " : "");
	if (out) {
		buf = malloc(cap);
		if (!buf)
			return bad(s, "out of memory");
		out->at = s->i;
	}
	s->i++; /* the quote */
	for (;;) {
		char tmp[4];
		size_t k = 1;
		if (s->i >= s->n) {
			free(buf);
			return bad(s, "unterminated string");
		}
		unsigned char c = (unsigned char)s->t[s->i];
		if (c == '"') {
			s->i++;
			break;
		}
		if (c < 0x20) {
			free(buf);
			snprintf(s->err, s->errlen,
				 "%s with a raw control "
				 "character (0x%02x) at byte %zu",
				 who, c, s->i);
			return -1;
		}
		s->i++;
		if (c == '\\') {
			if (unescape(s, who, tmp, &k)) {
				free(buf);
				return -1;
			}
		} else {
			tmp[0] = (char)c;
		}
		if (!out)
			continue;
		if (len + k + 1 > cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				return bad(s, "out of memory");
			}
			buf = nb;
		}
		memcpy(buf + len, tmp, k);
		len += k;
	}
	if (out) {
		buf[len] = '\0';
		out->text = buf;
		out->len = len;
	}
	return 0;
}

static int value(struct scan *s, const char *path, int depth);

static int key_order(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static void free_keys(struct key *keys, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(keys[k].text);
	free(keys);
}

/* After an object's last member: is any key there twice? */
static int check_unique(struct scan *s, const char *path, struct key *keys, size_t n)
{
	qsort(keys, n, sizeof(*keys), key_order);
	for (size_t k = 1; k < n; k++) {
		if (keys[k].len != keys[k - 1].len ||
		    memcmp(keys[k].text, keys[k - 1].text, keys[k].len))
			continue;
		char where[PATH_LEN];
		cli_join_path(where, sizeof(where), path, keys[k].text);
		snprintf(s->err, s->errlen,
			 "%s: duplicate key (at bytes %zu "
			 "and %zu); each key may appear once",
			 where, keys[k - 1].at, keys[k].at);
		return -1;
	}
	return 0;
}

static int object(struct scan *s, const char *path, int depth)
{
	struct key *keys = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	s->i++; /* { */
	skip_ws(s);
	if (s->i < s->n && s->t[s->i] == '}') {
		s->i++;
		return 0;
	}
	for (;;) {
		char sub[PATH_LEN];
		skip_ws(s);
		if (s->i >= s->n || s->t[s->i] != '"') {
			bad(s, "expected a key");
			goto out;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct key *nk = realloc(keys, nc * sizeof(*keys));
			if (!nk) {
				bad(s, "out of memory");
				goto out;
			}
			keys = nk, cap = nc;
		}
		if (string(s, path, &keys[n]))
			goto out;
		cli_join_path(sub, sizeof(sub), path, keys[n].text);
		n++;
		skip_ws(s);
		if (s->i >= s->n || s->t[s->i] != ':') {
			bad(s, "expected ':'");
			goto out;
		}
		s->i++;
		if (value(s, sub, depth + 1))
			goto out;
		skip_ws(s);
		if (s->i < s->n && s->t[s->i] == ',') {
			s->i++;
			continue;
		}
		if (s->i < s->n && s->t[s->i] == '}') {
			s->i++;
			break;
		}
		bad(s, "expected ',' or '}'");
		goto out;
	}
	rc = check_unique(s, path, keys, n);
out:
	free_keys(keys, n);
	return rc;
}

static int array(struct scan *s, const char *path, int depth)
{
	s->i++; /* [ */
	skip_ws(s);
	if (s->i < s->n && s->t[s->i] == ']') {
		s->i++;
		return 0;
	}
	for (size_t k = 0;; k++) {
		char sub[PATH_LEN];
		snprintf(sub, sizeof(sub), "%s[%zu]", path, k);
		if (value(s, sub, depth + 1))
			return -1;
		skip_ws(s);
		if (s->i < s->n && s->t[s->i] == ',') {
			s->i++;
			continue;
		}
		if (s->i < s->n && s->t[s->i] == ']') {
			s->i++;
			return 0;
		}
		return bad(s, "expected ',' or ']'");
	}
}

static int value(struct scan *s, const char *path, int depth)
{
	if (depth > MAX_DEPTH)
		return bad(s, "nested too deeply");
	skip_ws(s);
	if (s->i >= s->n)
		return bad(s, "unexpected end of input");
	switch (s->t[s->i]) {
	case '{': return object(s, path, depth);
	case '[': return array(s, path, depth);
	case '"': return string(s, path, NULL);
	default:
		/* A number or true/false/null: json-c has checked its form. */
		if (!strchr("-0123456789tfn", s->t[s->i]))
			return bad(s, "unexpected character");
		while (s->i < s->n && s->t[s->i] &&
		       strchr("+-.0123456789eEtrufalsn", s->t[s->i]))
			s->i++;
		return 0;
	}
}

int cli_json_strict_check(const char *text, size_t len, char *err, size_t errlen)
{
	struct scan s = { text, len, 0, err, errlen };
	if (value(&s, "", 0))
		return -1;
	return 0;
}
