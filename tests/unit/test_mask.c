/*
 * Unit tests for masking (policies/mask.c): deterministic, keyed,
 * format-preserving pseudonyms for values, free text and CSV files.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "policies/mask.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* An RFC 5322 dot-atom address at the reserved domain, nothing else. */
#define STRICT_EMAIL \
	"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@example\\.invalid$"

static const uint8_t key1[32] = {
	0x5b, 0x1e, 0x6f, 0x02, 0x9a, 0x33, 0xc4, 0x71, 0x08, 0xde, 0x4a, 0x90, 0x17, 0x66, 0xb2, 0x3c,
	0xe5, 0x21, 0x7d, 0x48, 0x0f, 0xa9, 0x54, 0x86, 0xcb, 0x12, 0x3e, 0xf0, 0x65, 0x99, 0x2a, 0x07,
};
static const uint8_t key2[32] = {
	0x5b, 0x1e, 0x6f, 0x02, 0x9a, 0x33, 0xc4, 0x71, 0x08, 0xde, 0x4a, 0x90, 0x17, 0x66, 0xb2, 0x3c,
	0xe5, 0x21, 0x7d, 0x48, 0x0f, 0xa9, 0x54, 0x86, 0xcb, 0x12, 0x3e, 0xf0, 0x65, 0x99, 0x2a, 0x08,
};

/* The pseudonym of V as KIND, as a string the caller frees. */
static char *pseudo(const struct sbx_masker *m, const char *kind, const char *v)
{
	struct sbx_buf b = SBX_BUF_INIT;

	sbx_mask_value(m, kind, v, strlen(v), &b);
	return sbx_buf_detach(&b, NULL);
}

/* Masks TEXT with PATTERN and KIND; returns the result (caller frees) and
 * the number of replacements in *COUNT.  Fails the test on an error. */
static char *mask_text(const struct sbx_masker *m, const char *pattern, const char *kind,
		       const char *text, size_t *count)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct sbx_err e = { 0 };
	int r;

	*count = 0;
	r = sbx_mask_text(m, pattern, kind, text, strlen(text), &b, count, &e);
	if (r)
		print_error("ERROR: masking with '%s' failed (%d): %s\n", pattern, r, e.msg);
	assert_int_equal(r, 0);
	return sbx_buf_detach(&b, NULL);
}

static int matches(const char *re, const char *s)
{
	int code, rc;
	PCRE2_SIZE off;
	pcre2_code *p = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_DOLLAR_ENDONLY,
				      &code, &off, NULL);
	pcre2_match_data *md;

	assert_non_null(p);
	md = pcre2_match_data_create_from_pattern(p, NULL);
	assert_non_null(md);
	rc = pcre2_match(p, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(p);
	return rc > 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static size_t occurrences(const char *h, const char *n)
{
	size_t k = 0;

	for (h = strstr(h, n); h; h = strstr(h + 1, n))
		k++;
	return k;
}

static void test_kinds(void **state)
{
	static const char *const ok[] = { "email", "phone", "name", "digits", "hash" };
	static const struct { const char *key, *kind; } defaults[] = {
		{ "email", "email" }, { "contact_email", "email" }, { "E-Mail", "email" },
		{ "mailbox", "email" }, { "phone", "phone" }, { "phoneNumber", "phone" },
		{ "mobile", "phone" }, { "fax", "phone" }, { "tel", "phone" }, { "homeTel", "phone" },
		{ "TEL_NO", "phone" }, { "telephone", "phone" }, { "hotel", "hash" },
		{ "intel_id", "hash" }, { "telemetry", "hash" }, { "name", "name" },
		{ "firstName", "name" }, { "last_name", "name" }, { "surname", "name" },
		{ "display", "name" }, { "FullName", "name" }, { "id", "hash" }, { "token", "hash" },
		{ "", "hash" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(ok); i++)
		assert_true(sbx_mask_kind_ok(ok[i]));
	assert_false(sbx_mask_kind_ok("Email"));
	assert_false(sbx_mask_kind_ok("mail"));
	assert_false(sbx_mask_kind_ok(""));
	assert_false(sbx_mask_kind_ok(NULL));
	for (i = 0; i < NELEM(defaults); i++) {
		const char *k = sbx_mask_kind_for(defaults[i].key);

		if (strcmp(k, defaults[i].kind))
			print_error("ERROR: kind for '%s' is %s, expected %s\n", defaults[i].key, k,
				    defaults[i].kind);
		assert_string_equal(k, defaults[i].kind);
	}
}

static void test_deterministic(void **state)
{
	static const char *const kinds[] = { "email", "phone", "name", "digits", "hash" };
	static const char *const values[] = {
		"alice.smith@example.com", "+49 30 1234567", "Alice Smith", "INV-2024-0042", "cust-981",
	};
	struct sbx_masker *m = sbx_masker_new(key1), *again = sbx_masker_new(key1);
	char *a, *b, *c;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(kinds); i++) {
		a = pseudo(m, kinds[i], values[i]);
		b = pseudo(m, kinds[i], values[i]);
		c = pseudo(again, kinds[i], values[i]);
		assert_string_equal(a, b);
		assert_string_equal(a, c);
		assert_string_not_equal(a, values[i]);
		free(a);
		free(b);
		free(c);
	}
	/* Case and surrounding blanks of an email do not change its
	 * pseudonym; the blanks themselves stay around it. */
	a = pseudo(m, "email", "alice.smith@example.com");
	b = pseudo(m, "email", "Alice.Smith@Example.COM");
	c = pseudo(m, "email", " \tALICE.SMITH@EXAMPLE.COM\n");
	assert_string_equal(a, b);
	assert_memory_equal(c, " \t", 2);
	assert_int_equal(strlen(c), strlen(a) + 3);
	assert_memory_equal(c + 2, a, strlen(a));
	assert_string_equal(c + 2 + strlen(a), "\n");
	free(a);
	free(b);
	free(c);
	/* A phone number's digits make its pseudonym, each spelt in its
	 * own shape. */
	a = pseudo(m, "phone", "+49 30 1234567");
	b = pseudo(m, "phone", "+49-30-1234567");
	assert_int_equal(strlen(a), strlen(b));
	for (i = 0; a[i]; i++)
		assert_true(a[i] == b[i] || (a[i] == ' ' && b[i] == '-'));
	free(a);
	free(b);
	sbx_masker_free(m);
	sbx_masker_free(again);
}

/* Pinned pseudonyms: a master's masked values must stay the same across
 * refreshes made by later versions of sbx, so any change to the digest, the
 * word lists or the spelling shows here.  The hash one is
 * printf 'hash\0customer 42' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<key1>. */
static void test_golden(void **state)
{
	static const struct { const char *kind, *in, *out; } gold[] = {
		{ "hash", "customer 42", "hebee4df34042b5a8" },
		{ "email", "alice.smith@example.com", "humble.eagle.db83fa@example.invalid" },
		{ "phone", "+49 30 1234567", "+49 83 0858500" },
		{ "name", "John Smith", "Leilani Singh" },
		{ "digits", "INV-2024-0042", "INV-9776-2921" },
	};
	struct sbx_masker *m = sbx_masker_new(key1);
	size_t i;
	char *p;

	(void)state;
	for (i = 0; i < NELEM(gold); i++) {
		p = pseudo(m, gold[i].kind, gold[i].in);
		assert_string_equal(p, gold[i].out);
		free(p);
	}
	sbx_masker_free(m);
}

static void test_keys_differ(void **state)
{
	static const char *const kinds[] = { "email", "phone", "name", "digits", "hash" };
	struct sbx_masker *m1 = sbx_masker_new(key1), *m2 = sbx_masker_new(key2);
	char v[64], *a, *b;
	size_t i, k, same = 0;

	(void)state;
	for (k = 0; k < NELEM(kinds); k++) {
		for (i = 0; i < 20; i++) {
			if (!strcmp(kinds[k], "email"))
				snprintf(v, sizeof v, "user%zu@corp.example.com", i);
			else if (!strcmp(kinds[k], "name"))
				snprintf(v, sizeof v, "Person%zu Family%zu", i, i);
			else
				snprintf(v, sizeof v, "+1 415 555 %04zu", i);
			a = pseudo(m1, kinds[k], v);
			b = pseudo(m2, kinds[k], v);
			same += !strcmp(a, b);
			free(a);
			free(b);
		}
	}
	/* Names come from two lists of 128, so two keys may agree on a
	 * name by chance (1 in 16384); nothing else should ever agree. */
	assert_true(same <= 1);
	a = pseudo(m1, "email", "alice@example.com");
	b = pseudo(m2, "email", "alice@example.com");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	sbx_masker_free(m1);
	sbx_masker_free(m2);
}

static void test_email_valid(void **state)
{
	static const char *const fixed[] = {
		"a@b.co", "e@x.io", "fox@x.org", "brave@x.org", "fox.trot@x.org", "ab@cd.ef",
		"Bob.O'Neil+tag@sub.example.co.uk", "x_y-z%1@[10.0.0.1]", "no-at-sign",
		"\"quoted local\"@example.com", "ivory.owl@example.com",
	};
	struct sbx_masker *m = sbx_masker_new(key1);
	char v[128], local[128], plocal[128], *p, **seen = calloc(600, sizeof *seen);
	size_t i, j, total = 0;

	(void)state;
	assert_non_null(seen);
	for (i = 0; i < NELEM(fixed) + 500; i++) {
		if (i < NELEM(fixed))
			snprintf(v, sizeof v, "%s", fixed[i]);
		else
			snprintf(v, sizeof v, "User.%zu@Corp%zu.example.com", i, i % 7);
		p = pseudo(m, "email", v);
		if (!matches(STRICT_EMAIL, p))
			print_error("ERROR: '%s' gave '%s', not a valid address\n", v, p);
		assert_true(matches(STRICT_EMAIL, p));
		assert_true(strchr(p, '@') - p <= 64);
		/* The original local part never shows through. */
		snprintf(local, sizeof local, "%s", v);
		if (strrchr(local, '@'))
			*strrchr(local, '@') = '\0';
		lower(local);
		snprintf(plocal, sizeof plocal, "%.*s", (int)(strchr(p, '@') - p), p);
		if (strstr(plocal, local))
			print_error("ERROR: '%s' gave '%s', which contains '%s'\n", v, p, local);
		assert_null(strstr(plocal, local));
		if (strlen(local) > 2)
			assert_true(matches("^[a-z]+\\.[a-z]+\\.[0-9a-f]{6}@example\\.invalid$", p));
		/* Different addresses, different pseudonyms. */
		for (j = 0; j < total; j++)
			assert_string_not_equal(seen[j], p);
		seen[total++] = p;
	}
	for (j = 0; j < total; j++)
		free(seen[j]);
	free(seen);
	sbx_masker_free(m);
}

/* Same length, same non-digits in the same places, digits for digits,
 * and not the input. */
static void assert_same_shape(const char *in, const char *out)
{
	size_t i;

	if (strlen(in) != strlen(out) || !strcmp(in, out))
		print_error("ERROR: '%s' gave '%s'\n", in, out);
	assert_int_equal(strlen(in), strlen(out));
	assert_string_not_equal(in, out);
	for (i = 0; in[i]; i++) {
		if (in[i] >= '0' && in[i] <= '9')
			assert_true(out[i] >= '0' && out[i] <= '9');
		else
			assert_int_equal(in[i], out[i]);
	}
}

static void test_phone_shape(void **state)
{
	static const struct { const char *in, *prefix; } phones[] = {
		{ "+49 30 1234567", "+49 " }, { "+1 (415) 555-0100", "+1 (" },
		{ "+1 415 555 0100", "+1 " }, { "+44 (0)20 7946 0958", "+44 (" },
		{ "+353 1 234 5678", "+353 " }, { "+4930123456", "+49" },
		{ "+12125550100", "+1" }, { "(555) 123-4567", "(" }, { "555.123.4567", "" },
		{ "030 1234567", "0" }, { "06 12 34 56 78", "0" }, { "12345678", "" },
		{ " +49 171 2345678 ", " +49 " }, { "+33 6 12 34 56 78", "+33 " },
	};
	struct sbx_masker *m = sbx_masker_new(key1);
	char v[32], *p;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(phones); i++) {
		p = pseudo(m, "phone", phones[i].in);
		assert_same_shape(phones[i].in, p);
		assert_memory_equal(p, phones[i].prefix, strlen(phones[i].prefix));
		/* Past the kept country code (or trunk 0) the next digit
		 * changes class at most to 2-9: plausible area codes. */
		if (!strcmp(phones[i].in, "(555) 123-4567"))
			assert_true(p[1] >= '2' && p[1] <= '9');
		free(p);
	}
	/* Short numbers: a single replaced digit still always changes. */
	for (i = 0; i < 300; i++) {
		snprintf(v, sizeof v, "+%zu %zu", 30 + i % 60, i % 10);
		p = pseudo(m, "phone", v);
		assert_same_shape(v, p);
		free(p);
	}
	/* Nothing to replace is no reason to keep a value. */
	p = pseudo(m, "phone", "n/a");
	assert_true(matches("^h[0-9a-f]{16}$", p));
	free(p);
	sbx_masker_free(m);
}

static void test_name(void **state)
{
	static const char *const people[] = {
		"Emma Chen", "Liam Garcia", "Sofia Nguyen", "Wei Smith", "Noah Patel", "Maya Kim",
		"Omar Khan", "Lucia Rossi", "Kenji Sato", "Aisha Ahmed", "Ivan Petrov", "Zoe Weber",
	};
	struct sbx_masker *m = sbx_masker_new(key1);
	char *a, *b, *c, *w;
	size_t i;

	(void)state;
	a = pseudo(m, "name", "John Smith");
	assert_true(matches("^[A-Z][a-z]+ [A-Z][a-z]+$", a));
	assert_null(strstr(a, "John"));
	assert_null(strstr(a, "Smith"));
	/* The same person in capitals: the same name, in capitals. */
	b = pseudo(m, "name", "JOHN  SMITH");
	assert_true(matches("^[A-Z]+ [A-Z]+$", b));
	c = strdup(b);
	lower(c);
	w = strdup(a);
	lower(w);
	assert_string_equal(c, w);
	free(b);
	free(c);
	free(w);
	b = pseudo(m, "name", "john smith");
	assert_true(matches("^[a-z]+ [a-z]+$", b));
	free(a);
	free(b);
	a = pseudo(m, "name", "Madonna");
	assert_true(matches("^[A-Z][a-z]+$", a));
	assert_string_not_equal(a, "Madonna");
	free(a);
	a = pseudo(m, "name", "  Jane Q. Public\n");
	assert_true(matches("^  [A-Z][a-z]+ [A-Z][a-z]+\n$", a));
	free(a);
	/* Real names drawn from the lists themselves: no word survives. */
	for (i = 0; i < NELEM(people); i++) {
		char first[32], last[32], f2[32], l2[32];

		a = pseudo(m, "name", people[i]);
		assert_true(matches("^[A-Z][a-z]+ [A-Z][a-z]+$", a));
		assert_int_equal(sscanf(people[i], "%31s %31s", first, last), 2);
		assert_int_equal(sscanf(a, "%31s %31s", f2, l2), 2);
		if (!strcmp(f2, first) || !strcmp(f2, last) || !strcmp(l2, first) || !strcmp(l2, last))
			print_error("ERROR: '%s' gave '%s'\n", people[i], a);
		assert_string_not_equal(f2, first);
		assert_string_not_equal(f2, last);
		assert_string_not_equal(l2, first);
		assert_string_not_equal(l2, last);
		free(a);
	}
	sbx_masker_free(m);
}

static void test_digits_and_hash(void **state)
{
	struct sbx_masker *m = sbx_masker_new(key1);
	struct sbx_buf b = SBX_BUF_INIT;
	char *a, *h;

	(void)state;
	a = pseudo(m, "digits", "INV-2024-0042");
	assert_same_shape("INV-2024-0042", a);
	assert_memory_equal(a, "INV-", 4);
	free(a);
	a = pseudo(m, "digits", "7");
	assert_same_shape("7", a);
	free(a);
	a = pseudo(m, "digits", "no digits here");
	assert_true(matches("^h[0-9a-f]{16}$", a));
	free(a);
	h = pseudo(m, "hash", "customer 42");
	assert_true(matches("^h[0-9a-f]{16}$", h));
	/* An unknown or missing kind masks as hash, never as the value. */
	a = pseudo(m, "bogus", "customer 42");
	assert_string_equal(a, h);
	free(a);
	a = pseudo(m, NULL, "customer 42");
	assert_string_equal(a, h);
	free(a);
	/* Kinds are part of the digest: the same value differs by kind. */
	a = pseudo(m, "digits", "customer 42");
	assert_string_not_equal(a, h);
	free(a);
	free(h);
	/* An empty value stays empty. */
	sbx_mask_value(m, "hash", "", 0, &b);
	sbx_mask_value(m, "email", "", 0, &b);
	assert_int_equal(b.len, 0);
	sbx_buf_release(&b);
	sbx_masker_free(m);
}

static const char snippet[] =
	"# Support desk export, generated 2024-01-15T10:20:30Z\n"
	"version: 1.2.3\n"
	"release: 10.15.7\n"
	"tenant_id: 3f2504e0-4f89-11d3-9a0c-0305e82c3301\n"
	"owner: alice.smith@example.com\n"
	"escalation:\n"
	"  - bob.jones+support@corp.example.co.uk\n"
	"  - \"Carol <carol@mail.example.org>\"\n"
	"phones:\n"
	"  berlin: +49 30 1234567\n"
	"  sf: \"+1 415 555 0100\"\n"
	"  nyc: (555) 123-4567\n"
	"  backup: 555-123-4567\n"
	"db_host: 192.168.10.25\n"
	"ticket_id: 1234567890\n"
	"order: 20240115\n"
	"created: 2024-01-15\n"
	"time: 12:30:45\n"
	"mac: 00:1a:2b:3c:4d:5e\n"
	"\n"
	"Contact [Dana](mailto:dana@corp.com) or call +44 20 7946 0958.\n";

static void test_text_snippet(void **state)
{
	static const char *const gone[] = {
		"alice.smith", "bob.jones", "carol@", "dana@", "30 1234567", "555 0100", "123-4567",
		"7946 0958",
	};
	static const char *const kept[] = {
		"2024-01-15T10:20:30Z\n", "version: 1.2.3\n", "release: 10.15.7\n",
		"tenant_id: 3f2504e0-4f89-11d3-9a0c-0305e82c3301\n", "db_host: 192.168.10.25\n",
		"ticket_id: 1234567890\n", "order: 20240115\n", "created: 2024-01-15\n",
		"time: 12:30:45\n", "mac: 00:1a:2b:3c:4d:5e\n", "  berlin: +49 ", "  sf: \"+1 ",
		"  nyc: (", "Contact [Dana](mailto:", ") or call +44 ",
	};
	struct sbx_masker *m = sbx_masker_new(key1);
	size_t n1, n2, i;
	char *a, *b;

	(void)state;
	a = mask_text(m, "email", NULL, snippet, &n1);
	b = mask_text(m, "phone", NULL, a, &n2);
	assert_int_equal(n1, 4);
	assert_int_equal(n2, 5);
	assert_int_equal(occurrences(b, "@example.invalid"), 4);
	for (i = 0; i < NELEM(gone); i++) {
		if (strstr(b, gone[i]))
			print_error("ERROR: '%s' survived masking:\n%s", gone[i], b);
		assert_null(strstr(b, gone[i]));
	}
	for (i = 0; i < NELEM(kept); i++) {
		if (!strstr(b, kept[i]))
			print_error("ERROR: '%s' was changed:\n%s", kept[i], b);
		assert_non_null(strstr(b, kept[i]));
	}
	/* Phone numbers keep their length, so does every line with one. */
	assert_int_equal(strlen(b), strlen(a));
	assert_int_equal(occurrences(b, "\n"), occurrences(snippet, "\n"));
	free(a);
	free(b);
	sbx_masker_free(m);
}

static void test_phone_pattern(void **state)
{
	static const char *const yes[] = {
		"+49 30 1234567", "+1 415 555 0100", "(555) 123-4567", "555-123-4567", "555.123.4567",
		"555 123 4567", "+44 (0)20 7946 0958", "+1 (415) 555-0100", "030 1234567",
		"(030) 123 4567", "0171/1234567", "06 12 34 56 78", "06.12.34.56.78",
		"+33 6 12 34 56 78", "+4930123456", "1-800-555-0100", "020 7946 0958",
		"+353 1 234 5678", "0049 30 1234567",
	};
	static const char *const no[] = {
		"2024-01-15", "15.01.2024", "01/15/2024", "01-02-2024", "2024/01/15",
		"2024-01-15T10:20:30Z", "2024-01-15 10:20:30", "2024-01-15T10:20:30.123456+01:00",
		"12:30:45", "1.2.3", "10.15.7", "v2.31.1", "1.2.3.4.5.6.7.8", "20240115.1234",
		"3f2504e0-4f89-11d3-9a0c-0305e82c3301", "123e4567-e89b-12d3-a456-426614174000",
		"01234567-8901-2345-6789-012345678901", "192.168.1.10", "10.0.0.1", "255.255.255.0",
		"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "00:1a:2b:3c:4d:5e", "00-11-22-33-44-55",
		"1234567890", "98765432101", "0123456789", "20240115", "1,234,567.89", "555-1234",
		"+1 555", "x+12345678", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"4111 1111 1111 1111", "id 1234 5678", "user5551234567@x.com", "/var/lib/0171 1234567",
	};
	struct sbx_masker *m = sbx_masker_new(key1);
	char text[160], *out;
	size_t i, n, len;

	(void)state;
	for (i = 0; i < NELEM(yes); i++) {
		snprintf(text, sizeof text, "call %s today", yes[i]);
		out = mask_text(m, "phone", NULL, text, &n);
		if (n != 1)
			print_error("ERROR: phone '%s' matched %zu times: %s\n", yes[i], n, out);
		assert_int_equal(n, 1);
		len = strlen(yes[i]);
		assert_int_equal(strlen(out), strlen(text));
		assert_memory_equal(out, "call ", 5);
		assert_string_equal(out + 5 + len, " today");
		assert_memory_not_equal(out + 5, yes[i], len);
		free(out);
	}
	for (i = 0; i < NELEM(no); i++) {
		snprintf(text, sizeof text, "value: %s\n", no[i]);
		out = mask_text(m, "phone", NULL, text, &n);
		if (n)
			print_error("ERROR: '%s' was taken for a phone number: %s", no[i], out);
		assert_int_equal(n, 0);
		assert_string_equal(out, text);
		free(out);
	}
	sbx_masker_free(m);
}

static void test_idempotent(void **state)
{
	struct sbx_masker *m = sbx_masker_new(key1);
	size_t n;
	char *a, *b;

	(void)state;
	a = mask_text(m, "email", NULL, snippet, &n);
	assert_int_equal(n, 4);
	b = mask_text(m, "email", NULL, a, &n);
	assert_int_equal(n, 0);
	assert_string_equal(a, b);
	free(b);
	/* Whatever the kind: an address at the reserved domain stays. */
	b = mask_text(m, "email", "hash", a, &n);
	assert_int_equal(n, 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	sbx_masker_free(m);
}

/* The pseudonym of the first address in TEXT after masking, as a string. */
static char *first_pseudonym(const char *text)
{
	const char *at = strstr(text, "@example.invalid"), *p = at;

	assert_non_null(at);
	while (p > text && (p[-1] == '.' || (p[-1] >= 'a' && p[-1] <= 'z') ||
			    (p[-1] >= '0' && p[-1] <= '9')))
		p--;
	return strndup(p, (size_t)(at - p) + strlen("@example.invalid"));
}

static void test_referential_integrity(void **state)
{
	static const char users[] = "{\"users\": [{\"id\": 7, \"email\": \"Alice.Smith@Example.com\"}]}";
	static const char trigger[] =
		"trigger: escalate\nrecipients: alice.smith@example.com, ops@example.net\n";
	struct sbx_masker *m = sbx_masker_new(key1), *next = sbx_masker_new(key1);
	char *a, *b, *pa, *pb, *v;
	size_t n;

	(void)state;
	a = mask_text(m, "email", NULL, users, &n);
	assert_int_equal(n, 1);
	/* Another file, another refresh (a new masker with the same key). */
	b = mask_text(next, "email", NULL, trigger, &n);
	assert_int_equal(n, 2);
	pa = first_pseudonym(a);
	pb = first_pseudonym(b);
	assert_string_equal(pa, pb);
	v = pseudo(m, "email", "alice.smith@example.com");
	assert_string_equal(pa, v);
	/* ... and the other recipient got its own. */
	assert_int_equal(occurrences(b, pa), 1);
	free(a);
	free(b);
	free(pa);
	free(pb);
	free(v);
	sbx_masker_free(m);
	sbx_masker_free(next);
}

static void test_custom_regex(void **state)
{
	struct sbx_masker *m = sbx_masker_new(key1);
	size_t n;
	char *a;

	(void)state;
	a = mask_text(m, "ACC-\\d{6}", "digits", "accounts: ACC-123456, ACC-654321; ACC-12\n", &n);
	assert_int_equal(n, 2);
	assert_true(matches("^accounts: ACC-\\d{6}, ACC-\\d{6}; ACC-12\n$", a));
	assert_null(strstr(a, "123456"));
	assert_null(strstr(a, "654321"));
	free(a);
	/* A group named "mask" replaces only what it matched; the kind
	 * defaults from the pattern ("hash" here). */
	a = mask_text(m, "customer: (?<mask>\\w+)", NULL, "customer: acme-42\ncustomer: globex\n", &n);
	assert_int_equal(n, 2);
	assert_true(matches("^customer: h[0-9a-f]{16}-42\ncustomer: h[0-9a-f]{16}\n$", a));
	free(a);
	/* Empty matches replace nothing and do not loop. */
	a = mask_text(m, "x*", "hash", "abc", &n);
	assert_int_equal(n, 0);
	assert_string_equal(a, "abc");
	free(a);
	sbx_masker_free(m);
}

static void test_errors(void **state)
{
	struct sbx_masker *m = sbx_masker_new(key1);
	struct sbx_buf b = SBX_BUF_INIT;
	struct sbx_err e = { 0 };
	size_t n = 3;

	(void)state;
	sbx_buf_adds(&b, "kept");
	assert_int_equal(sbx_mask_text(m, "(abc", NULL, "abc", 3, &b, &n, &e), SBX_ESYNTAX);
	assert_non_null(strstr(e.msg, "(abc"));
	assert_non_null(strstr(e.msg, "missing closing parenthesis"));
	assert_string_equal(b.data, "kept");
	assert_int_equal(b.len, 4);
	assert_int_equal(n, 3);
	sbx_err_clear(&e);
	/* A regex that blows PCRE2's match limit after a first replacement:
	 * an error, and nothing half-masked left behind. */
	assert_int_equal(sbx_mask_text(m, "x|(a+)+b", "hash", "x aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 38,
				       &b, &n, &e), SBX_EFAIL);
	assert_non_null(strstr(e.msg, "limit"));
	assert_string_equal(b.data, "kept");
	assert_int_equal(n, 3);
	sbx_err_clear(&e);
	assert_int_equal(sbx_mask_text(m, "email", "mail", "a@b.co", 6, &b, &n, &e), SBX_ESYNTAX);
	assert_non_null(strstr(e.msg, "\"mail\""));
	sbx_err_clear(&e);
	assert_int_equal(sbx_mask_csv(m, NULL, 0, "bogus", "a\n", 2, &b, &n, &e), SBX_ESYNTAX);
	assert_string_equal(b.data, "kept");
	sbx_buf_release(&b);
	sbx_masker_free(m);
}

/* Masks CSV text IN (length N) by COLUMNS; returns the result. */
static char *mask_csv(const struct sbx_masker *m, const char *const *columns, size_t ncolumns,
		      const char *in, size_t n, size_t *count)
{
	struct sbx_buf b = SBX_BUF_INIT;
	struct sbx_err e = { 0 };
	int r;

	*count = 0;
	r = sbx_mask_csv(m, columns, ncolumns, NULL, in, n, &b, count, &e);
	if (r)
		print_error("ERROR: CSV masking failed (%d): %s\n", r, e.msg);
	assert_int_equal(r, 0);
	return sbx_buf_detach(&b, NULL);
}

static void test_csv(void **state)
{
	static const char *const cols[] = { "email", "PHONE", "not-a-column" };
	static const char *const eol[] = { "\r\n", "\n" };
	struct sbx_masker *m = sbx_masker_new(key1);
	char *ea = pseudo(m, "email", "alice@example.com"), *eb = pseudo(m, "email", "bob@corp.example.org");
	char *ed = pseudo(m, "email", "dan@x.org"), *pa = pseudo(m, "phone", "+49 30 1234567");
	char *pb = pseudo(m, "phone", "(555) 123-4567"), *pc = pseudo(m, "phone", "555-123-4567");
	struct sbx_buf in = SBX_BUF_INIT, want = SBX_BUF_INIT;
	size_t k, n;
	char *out;

	(void)state;
	for (k = 0; k < NELEM(eol); k++) {
		const char *nl = eol[k];

		sbx_buf_reset(&in);
		sbx_buf_reset(&want);
		sbx_buf_addf(&in, "id,name,\"Email\",phone,notes%s", nl);
		sbx_buf_addf(&want, "id,name,\"Email\",phone,notes%s", nl);
		sbx_buf_addf(&in, "1,Alice Smith,alice@example.com,+49 30 1234567,\"likes tea, coffee\"%s", nl);
		sbx_buf_addf(&want, "1,Alice Smith,%s,%s,\"likes tea, coffee\"%s", ea, pa, nl);
		sbx_buf_addf(&in, "2,\"Bob \"\"The Builder\"\" Jones\",\"bob@corp.example.org\","
			     "\"(555) 123-4567\",\"line one%sline two, \"\"quoted\"\"\"%s", nl, nl);
		sbx_buf_addf(&want, "2,\"Bob \"\"The Builder\"\" Jones\",\"%s\",\"%s\","
			     "\"line one%sline two, \"\"quoted\"\"\"%s", eb, pb, nl, nl);
		sbx_buf_addf(&in, "3,Carol,,555-123-4567,plain%s", nl);
		sbx_buf_addf(&want, "3,Carol,,%s,plain%s", pc, nl);
		sbx_buf_addf(&in, "4,Dan,dan@x.org,\"\",\"a,b\"%s", nl);
		sbx_buf_addf(&want, "4,Dan,%s,\"\",\"a,b\"%s", ed, nl);
		sbx_buf_addf(&in, "%s5,short row%s", nl, nl);
		sbx_buf_addf(&want, "%s5,short row%s", nl, nl);
		/* The last line without its line end. */
		sbx_buf_adds(&in, "6,Eve,alice@example.com,,");
		sbx_buf_addf(&want, "6,Eve,%s,,", ea);
		out = mask_csv(m, cols, NELEM(cols), in.data, in.len, &n);
		if (strcmp(out, want.data))
			print_error("ERROR: got\n%s\nexpected\n%s\n", out, want.data);
		assert_string_equal(out, want.data);
		assert_int_equal(n, 7);
		free(out);
	}
	/* A BOM before the header, and a header naming none of the columns. */
	out = mask_csv(m, cols, NELEM(cols), "\xef\xbb\xbf" "email\nbob@corp.example.org\n", 30, &n);
	sbx_buf_reset(&want);
	sbx_buf_addf(&want, "\xef\xbb\xbf" "email\n%s\n", eb);
	assert_string_equal(out, want.data);
	assert_int_equal(n, 1);
	free(out);
	out = mask_csv(m, cols, NELEM(cols), "id,mail_address\n1,x@y.org\n", 26, &n);
	assert_string_equal(out, "id,mail_address\n1,x@y.org\n");
	assert_int_equal(n, 0);
	free(out);
	out = mask_csv(m, cols, NELEM(cols), "", 0, &n);
	assert_string_equal(out, "");
	free(out);
	sbx_buf_release(&in);
	sbx_buf_release(&want);
	free(ea);
	free(eb);
	free(ed);
	free(pa);
	free(pb);
	free(pc);
	sbx_masker_free(m);
}

static void test_csv_malformed(void **state)
{
	static const struct { const char *csv, *line; } bad[] = {
		{ "email,name\nalice@x.com,Alice\n\"bob@x.com,Bob\n", "line 3:" },
		{ "email,notes\n\"a@b.co\",\"two\nlines\"\nc@d.co,\"open\n", "line 4:" },
		{ "email,name\n\"a@b.co\"x,Alice\n", "line 2:" },
		{ "\"email,name\n", "line 1:" },
	};
	static const char *const cols[] = { "email" };
	struct sbx_masker *m = sbx_masker_new(key1);
	struct sbx_buf b = SBX_BUF_INIT;
	size_t i, n = 5;

	(void)state;
	sbx_buf_adds(&b, "kept");
	for (i = 0; i < NELEM(bad); i++) {
		struct sbx_err e = { 0 };
		int r = sbx_mask_csv(m, cols, 1, NULL, bad[i].csv, strlen(bad[i].csv), &b, &n, &e);

		if (r != SBX_EINVAL || !strstr(e.msg, bad[i].line))
			print_error("ERROR: case %zu gave %d: %s\n", i, r, e.msg);
		assert_int_equal(r, SBX_EINVAL);
		assert_non_null(strstr(e.msg, bad[i].line));
		assert_string_equal(b.data, "kept");
		assert_int_equal(n, 5);
	}
	sbx_buf_release(&b);
	sbx_masker_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_keys_differ),
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_phone_shape),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_digits_and_hash),
		cmocka_unit_test(test_text_snippet),
		cmocka_unit_test(test_phone_pattern),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_referential_integrity),
		cmocka_unit_test(test_custom_regex),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
