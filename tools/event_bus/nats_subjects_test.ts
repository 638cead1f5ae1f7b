/**
 * Bus names as NATS subjects, consumer filters and consumer names (no server needed).
 * @module
 */
import assert from "node:assert/strict";
import { consumerName, filterOf, groupFilter, subjectOf, token } from "./nats_subjects.ts";

Deno.test("nats subjects: safe names are kept, other characters percent-encoded per byte", () => {
  assert.equal(token("a-b_C9"), "a-b_C9");
  assert.equal(token("na me>"), "na%20me%3E");
  assert.equal(token("é*"), "%C3%A9%2A");
  assert.equal(token("\n"), "%0A", "two hex digits, upper case");
  assert.equal(subjectOf("shop", "product.created"), "shop.product.created");
  assert.equal(subjectOf("shop", "Prod-1.x_2"), "shop.Prod-1.x_2");
  assert.equal(subjectOf("shop", "a.b c.d"), "shop.a.b%20c.d", "one segment per segment");
  assert.equal(subjectOf("shop_rpc", "stock.level"), "shop_rpc.stock.level");
  assert.equal(subjectOf("shop", "a b"), "shop.a%20b");
  assert.equal(subjectOf("shop", "a.b "), "shop.a.b%20", "the whole name must be safe");
  assert.equal(subjectOf("shop", " a.b"), "shop.%20a.b");
  assert.equal(subjectOf("shop", "é.x"), "shop.%C3%A9.x", "a segment with no safe character");
});

Deno.test("nats subjects: filters keep * and take the whole prefix for **", () => {
  assert.equal(filterOf("shop", "product.created"), "shop.product.created");
  assert.equal(filterOf("shop", "product.*"), "shop.product.*");
  assert.equal(filterOf("shop", "*.a b"), "shop.*.a%20b");
  assert.equal(filterOf("shop", "product.**"), "shop.>");
  assert.equal(filterOf("shop", "#.failed"), "shop.>");
  assert.equal(filterOf("shop", "a**"), "shop.a%2A%2A", "** only as a whole segment");
  assert.equal(groupFilter("shop", ["order.*"]), "shop.order.*");
  assert.equal(groupFilter("shop", ["order.*", "mail.sent"]), "shop.>");
});

Deno.test("nats subjects: consumer names are valid and distinct per group", () => {
  assert.equal(consumerName("mailer"), "g_mailer");
  assert.equal(consumerName("a_b"), "g_a_b");
  assert.equal(consumerName("a.b"), "g_a_b_4la3gs");
  assert.equal(consumerName("a b"), "g_a_b_4m7u2a");
  assert.equal(consumerName("ü"), "g___xl30zf");
});
