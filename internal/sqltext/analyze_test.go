package sqltext

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

var update = flag.Bool("update", false, "rewrite golden files")

// shopSchema mirrors scripts/sandbox/shop-schema.sql (the parts the rules
// read) with the sandbox's row counts, plus one table `imports` whose
// customer_ref is a string, to have a join across types.
func shopSchema() *SchemaInfo {
	return &SchemaInfo{DefaultSchema: "shop", Tables: []TableSchema{
		tbl("customers", 50_000,
			cols("id int(10) unsigned", "email varchar(255)", "name varchar(200)", "country char(2)", "city varchar(100)",
				"phone varchar(32) null", "birth_year year(4) null", "status enum('active','inactive','banned')", "note text null",
				"created_at datetime(6)", "updated_at timestamp"),
			index("PRIMARY", "id"), index("idx_customers_country_city", "country", "city")),
		tbl("products", 5_000,
			cols("id int(10) unsigned", "sku varchar(32)", "name varchar(200)", "category varchar(64)", "price decimal(10,2)",
				"price_gross decimal(10,2) null virtual", "stock int(11)", "attrs json null", "created_at timestamp"),
			index("PRIMARY", "id"), index("uk_products_sku", "sku"), index("idx_products_category", "category")),
		tbl("orders", 200_000,
			cols("id int(10) unsigned", "customer_id int(10) unsigned", "status enum('new','paid','shipped')", "created_at datetime",
				"total decimal(12,2)", "currency char(3)", "shipping_country char(2)", "coupon_code varchar(16) null", "note varchar(500) null"),
			index("PRIMARY", "id"), index("idx_orders_customer", "customer_id"), index("idx_orders_customer_created", "customer_id", "created_at")),
		tbl("order_items", 500_000,
			cols("order_id int(10) unsigned", "line_no smallint(5) unsigned", "product_id int(10) unsigned", "qty smallint(5) unsigned",
				"unit_price decimal(10,2)", "line_total decimal(12,2) stored"),
			index("PRIMARY", "order_id", "line_no"), index("idx_order_items_product", "product_id")),
		withCharset(tbl("legacy_coupons", 300,
			cols("code varchar(16)", "discount_pct tinyint(3) unsigned", "valid_from date", "valid_to date null"),
			index("PRIMARY", "code")), "latin1", "latin1_swedish_ci"),
		tbl("imports", 1_000,
			cols("id int(10) unsigned", "customer_ref varchar(20)"),
			index("PRIMARY", "id")),
	}}
}

func tbl(name string, rows int64, columns []dba.TableColumn, indexes ...dba.TableIndex) TableSchema {
	t := TableSchema{Schema: "shop", Name: name, Rows: &rows, Columns: columns, Indexes: indexes}
	if name == "orders" {
		t.ForeignKeys = []dba.ForeignKey{{Name: "fk_orders_customer", Schema: "shop", Table: "orders", Columns: []string{"customer_id"},
			RefSchema: "shop", RefTable: "customers", RefColumns: []string{"id"}}}
	}
	return t
}

// cols reads "name type [null] [virtual|stored]" specs.
func cols(specs ...string) []dba.TableColumn {
	var out []dba.TableColumn
	for i, s := range specs {
		f := strings.Fields(s)
		c := dba.TableColumn{Position: i + 1, Name: f[0], Type: f[1], DataType: strings.SplitN(f[1], "(", 2)[0]}
		for _, w := range f[2:] {
			switch w {
			case "null":
				c.Nullable = true
			case "virtual", "stored":
				c.Generated = w
			case "unsigned":
				c.Type += " unsigned"
			}
		}
		if familyOf(c.DataType) == familyString {
			c.Charset, c.Collation = "utf8mb4", "utf8mb4_unicode_ci"
		}
		out = append(out, c)
	}
	return out
}

func index(name string, columns ...string) dba.TableIndex {
	ix := dba.TableIndex{Name: name, Primary: name == "PRIMARY", Unique: name == "PRIMARY" || strings.HasPrefix(name, "uk_"), Type: "BTREE", Visible: true}
	for _, c := range columns {
		ix.Parts = append(ix.Parts, dba.IndexPart{Column: c, Order: "ASC"})
	}
	return ix
}

func withCharset(t TableSchema, cs, coll string) TableSchema {
	for i := range t.Columns {
		if t.Columns[i].Collation != "" {
			t.Columns[i].Charset, t.Columns[i].Collation = cs, coll
		}
	}
	return t
}

// TestAnalyzeRules has, for every code, statements that must report it
// (with the severity and evidence given) and statements that must not.
func TestAnalyzeRules(t *testing.T) {
	shop := shopSchema()
	tests := []struct {
		name   string
		sql    string
		schema *SchemaInfo
		code   string
		want   []string // "severity: evidence" of the findings with code
		fix    string   // a substring of the first finding's Fix
		why    string   // a substring of the first finding's Why
	}{
		// SelectStar
		{name: "star", sql: "SELECT * FROM orders", code: CodeSelectStar, want: []string{"warning: SELECT *"}, fix: "Name the columns"},
		{name: "star with schema lists columns", sql: "SELECT * FROM customers", schema: shop, code: CodeSelectStar,
			want: []string{"warning: SELECT *"}, fix: "from: `id`, `email`, `name`", why: "with the large ones `note`"},
		{name: "qualified star", sql: "SELECT o.*, c.name FROM orders o JOIN customers c ON c.id = o.customer_id", schema: shop, code: CodeSelectStar,
			want: []string{"warning: SELECT `o`.*"}, fix: "`o`.`id`, `o`.`customer_id`"},
		{name: "star inside EXISTS is fine", sql: "SELECT id FROM customers c WHERE EXISTS (SELECT * FROM orders o WHERE o.customer_id = c.id)", code: CodeSelectStar},
		{name: "COUNT(*) is no star", sql: "SELECT COUNT(*) FROM orders", code: CodeSelectStar},
		{name: "named columns", sql: "SELECT id, status FROM orders", code: CodeSelectStar},

		// UpdateWithoutWhere
		{name: "update all rows", sql: "UPDATE orders SET status = 'paid'", schema: shop, code: CodeUpdateWithoutWhere,
			want: []string{"error: UPDATE `orders` SET `status`='paid'"}, why: "every row of `shop`.`orders` (about 200000 rows) is changed"},
		{name: "update with LIMIT only", sql: "UPDATE orders SET status = 'paid' LIMIT 10", code: CodeUpdateWithoutWhere,
			want: []string{"warning: UPDATE `orders` SET `status`='paid' LIMIT 10"}},
		{name: "update through a join", sql: "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.status = 'paid'", code: CodeUpdateWithoutWhere,
			want: []string{"warning: UPDATE `orders` AS `o` JOIN `customers` AS `c` ON `c`.`id` = `o`.`customer_id` SET `o`.`status`='paid'"}},
		{name: "update with where", sql: "UPDATE orders SET status = 'paid' WHERE id = 1", code: CodeUpdateWithoutWhere},

		// DeleteWithoutWhere
		{name: "delete all rows", sql: "DELETE FROM orders", code: CodeDeleteWithoutWhere, want: []string{"error: DELETE FROM `orders`"}, fix: "TRUNCATE TABLE `orders`"},
		{name: "delete with where", sql: "DELETE FROM orders WHERE id = 1", code: CodeDeleteWithoutWhere},

		// UpdateWithoutLimit
		{name: "big unbatched update", sql: "UPDATE orders SET status = 'shipped' WHERE status = 'paid'", schema: shop, code: CodeUpdateWithoutLimit,
			want: []string{"warning: WHERE `status` = 'paid'"}, fix: "UPDATE `orders` SET `status`='shipped' WHERE `status` = 'paid' ORDER BY `id` LIMIT 10000"},
		{name: "update pinned by primary key", sql: "UPDATE orders SET status = 'shipped' WHERE id = 5", schema: shop, code: CodeUpdateWithoutLimit},
		{name: "update of a small table", sql: "UPDATE products SET stock = 0 WHERE category = 'x'", schema: shop, code: CodeUpdateWithoutLimit},
		{name: "update without schema", sql: "UPDATE orders SET status = 'shipped' WHERE status = 'paid'", code: CodeUpdateWithoutLimit},

		// DeleteWithoutLimit
		{name: "big unbatched delete", sql: "DELETE FROM order_items WHERE product_id = 7", schema: shop, code: CodeDeleteWithoutLimit,
			want: []string{"warning: WHERE `product_id` = 7"}, fix: "DELETE FROM `order_items` WHERE `product_id` = 7 ORDER BY `order_id`,`line_no` LIMIT 10000"},
		{name: "delete pinned by composite key", sql: "DELETE FROM order_items WHERE order_id = 1 AND line_no IN (1, 2)", schema: shop, code: CodeDeleteWithoutLimit},
		{name: "delete batched already", sql: "DELETE FROM order_items WHERE product_id = 7 LIMIT 1000", schema: shop, code: CodeDeleteWithoutLimit},
		{name: "delete without schema", sql: "DELETE FROM order_items WHERE product_id = 7", code: CodeDeleteWithoutLimit},

		// CartesianJoin
		{name: "comma join without condition", sql: "SELECT o.id, c.name FROM orders o, customers c", schema: shop, code: CodeCartesianJoin,
			want: []string{"error: `orders` AS `o` × `customers` AS `c`"}, fix: "ON `o`.`customer_id` = `c`.`id`", why: "about 200000 × 50000 = 1e+10 rows"},
		{name: "join without ON, no schema", sql: "SELECT * FROM a JOIN b", code: CodeCartesianJoin, want: []string{"warning: `a` × `b`"}},
		{name: "name-based link", sql: "SELECT 1 FROM orders o JOIN order_items i JOIN products p ON p.id = i.product_id", schema: shop, code: CodeCartesianJoin,
			want: []string{"error: `orders` AS `o` × (`order_items` AS `i`, `products` AS `p`)"}, fix: "ON `i`.`order_id` = `o`.`id`"},
		{name: "settings row pinned by its key", sql: "SELECT o.id, p.name FROM orders o, products p WHERE p.id = 1 AND o.total > 5", schema: shop, code: CodeCartesianJoin},
		{name: "join with ON", sql: "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id", code: CodeCartesianJoin},
		{name: "comma join linked in WHERE", sql: "SELECT 1 FROM orders o, customers c WHERE c.id = o.customer_id AND o.id > 5", code: CodeCartesianJoin},
		{name: "join USING", sql: "SELECT 1 FROM a JOIN b USING (id)", code: CodeCartesianJoin},
		{name: "single-row derived table", sql: "SELECT o.id, m.top FROM orders o CROSS JOIN (SELECT MAX(total) AS top FROM orders) m", code: CodeCartesianJoin},
		{name: "linked through a correlated subquery", sql: "SELECT 1 FROM a, b WHERE EXISTS (SELECT 1 FROM c WHERE c.x = a.x AND c.y = b.y)", code: CodeCartesianJoin},
		{name: "unqualified column may link", sql: "SELECT 1 FROM a, b WHERE x = y", code: CodeCartesianJoin},

		// FunctionOnIndexedColumn
		{name: "arithmetic on indexed column", sql: "SELECT id FROM orders WHERE customer_id + 1 = 10", schema: shop, code: CodeFunctionOnIndexedColumn,
			want: []string{"warning: `customer_id` + 1 = 10"}, fix: "`customer_id` = 10 - 1", why: "indexed (idx_orders_customer)"},
		{name: "multiplication flips for negative factor", sql: "SELECT id FROM orders WHERE id * -2 < 10", schema: shop, code: CodeFunctionOnIndexedColumn,
			want: []string{"warning: `id` * -2 < 10"}, fix: "`id` > 10 / (-2)"},
		{name: "constant minus column", sql: "SELECT id FROM orders WHERE 100 - id >= 3", schema: shop, code: CodeFunctionOnIndexedColumn,
			want: []string{"warning: 100 - `id` >= 3"}, fix: "`id` <= 100 - 3"},
		{name: "function without schema", sql: "SELECT id FROM t WHERE ABS(x) = 3", code: CodeFunctionOnIndexedColumn,
			want: []string{"info: ABS(`x`) = 3"}, fix: "ALTER TABLE `t` ADD INDEX ((ABS(`x`)))"},
		{name: "LOWER on a case-insensitive column", sql: "SELECT id FROM products WHERE LOWER(sku) = 'ab-1'", schema: shop, code: CodeFunctionOnIndexedColumn,
			want: []string{"warning: LOWER(`sku`) = 'ab-1'"}, fix: "Drop LOWER(): `sku` is utf8mb4_unicode_ci, which already ignores case: `sku` = 'ab-1'."},
		{name: "function in IN", sql: "SELECT id FROM products WHERE UPPER(category) IN ('A', 'B')", schema: shop, code: CodeFunctionOnIndexedColumn,
			want: []string{"warning: UPPER(`category`) IN ('A','B')"}, fix: "`category` IN ('A', 'B')"},
		{name: "function in LIKE prefix", sql: "SELECT id FROM products WHERE LOWER(name) LIKE 'ab%'", code: CodeFunctionOnIndexedColumn,
			want: []string{"info: LOWER(`name`) LIKE 'ab%'"}},
		{name: "unindexed column", sql: "SELECT id FROM customers WHERE LOWER(email) = 'x'", schema: shop, code: CodeFunctionOnIndexedColumn},
		{name: "bare column", sql: "SELECT id FROM orders WHERE customer_id = 10", schema: shop, code: CodeFunctionOnIndexedColumn},
		{name: "function on the constant side", sql: "SELECT id FROM orders WHERE customer_id = ABS(-3)", schema: shop, code: CodeFunctionOnIndexedColumn},
		{name: "same column on both sides", sql: "SELECT id FROM orders WHERE total * 2 > total", schema: shop, code: CodeFunctionOnIndexedColumn},
		{name: "negated comparison", sql: "SELECT id FROM orders WHERE NOT (customer_id + 1 = 10)", schema: shop, code: CodeFunctionOnIndexedColumn},

		// LeadingWildcardLike
		{name: "suffix search", sql: "SELECT id FROM customers WHERE email LIKE '%@example.com'", schema: shop, code: CodeLeadingWildcardLike,
			want: []string{"warning: `email` LIKE '%@example.com'"}, fix: "ADD COLUMN `email_rev` varchar(255) AS (REVERSE(`email`)) VIRTUAL, ADD INDEX (`email_rev`); then search `email_rev` LIKE 'moc.elpmaxe@%'"},
		{name: "substring search", sql: "SELECT id FROM products WHERE name LIKE '%lamp%'", code: CodeLeadingWildcardLike,
			want: []string{"warning: `name` LIKE '%lamp%'"}, fix: "MATCH(`name`) AGAINST ('lamp' IN BOOLEAN MODE)"},
		{name: "built pattern", sql: "SELECT id FROM products WHERE name LIKE CONCAT('%', ?)", code: CodeLeadingWildcardLike,
			want: []string{"warning: `name` LIKE CONCAT('%', ?)"}, fix: "AGAINST (? IN BOOLEAN MODE)"},
		{name: "single-character wildcard first", sql: "SELECT id FROM products WHERE sku LIKE '_B12'", code: CodeLeadingWildcardLike,
			want: []string{"warning: `sku` LIKE '_B12'"}},
		{name: "prefix search", sql: "SELECT id FROM products WHERE name LIKE 'lamp%'", code: CodeLeadingWildcardLike},
		{name: "match everything", sql: "SELECT id FROM products WHERE name LIKE '%'", code: CodeLeadingWildcardLike},
		{name: "NOT LIKE", sql: "SELECT id FROM products WHERE name NOT LIKE '%lamp'", code: CodeLeadingWildcardLike},

		// ImplicitConversion
		{name: "string column and number", sql: "SELECT id FROM customers WHERE email = 42", schema: shop, code: CodeImplicitConversion,
			want: []string{"warning: `email` = 42"}, fix: "`email` = '42'", why: "`email` is varchar(255)"},
		{name: "string column and numbers in IN", sql: "SELECT id FROM customers WHERE phone IN (1, -2)", schema: shop, code: CodeImplicitConversion,
			want: []string{"warning: `phone` IN (1,-2)"}, fix: "`phone` IN ('1', '-2')"},
		{name: "number on the left", sql: "SELECT id FROM customers WHERE 42 = email", schema: shop, code: CodeImplicitConversion,
			want: []string{"warning: 42 = `email`"}},
		{name: "join across types", sql: "SELECT 1 FROM imports i JOIN customers c ON c.id = i.customer_ref", schema: shop, code: CodeImplicitConversion,
			want: []string{"warning: `c`.`id` = `i`.`customer_ref`"}, fix: "ALTER TABLE `shop`.`imports` MODIFY `customer_ref` int(10) unsigned NOT NULL"},
		{name: "join across collations", sql: "SELECT 1 FROM orders o JOIN legacy_coupons l ON l.code = o.coupon_code", schema: shop, code: CodeImplicitConversion,
			want: []string{"warning: `l`.`code` = `o`.`coupon_code`"}, why: "latin1 / latin1_swedish_ci",
			fix: "ALTER TABLE `shop`.`orders` MODIFY `coupon_code` varchar(16) CHARACTER SET latin1 COLLATE latin1_swedish_ci ("},
		{name: "number column and string", sql: "SELECT id FROM customers WHERE id = '42'", schema: shop, code: CodeImplicitConversion},
		{name: "string and string", sql: "SELECT id FROM customers WHERE email = '42'", schema: shop, code: CodeImplicitConversion},
		{name: "enum and number", sql: "SELECT id FROM orders WHERE status = 1", schema: shop, code: CodeImplicitConversion},
		{name: "same types joined", sql: "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id", schema: shop, code: CodeImplicitConversion},
		{name: "no schema", sql: "SELECT id FROM customers WHERE email = 42", code: CodeImplicitConversion},

		// OrAcrossColumns
		{name: "or across columns", sql: "SELECT id FROM t WHERE a = 1 OR b = 2", code: CodeOrAcrossColumns,
			want: []string{"warning: `a` = 1 OR `b` = 2"}, fix: "SELECT `id` FROM `t` WHERE `a` = 1 UNION SELECT `id` FROM `t` WHERE `b` = 2"},
		{name: "or with an unindexed column", sql: "SELECT id FROM orders WHERE customer_id = 1 OR status = 'new'", schema: shop, code: CodeOrAcrossColumns,
			want: []string{"warning: `customer_id` = 1 OR `status` = 'new'"}, why: "orders.status has no index"},
		{name: "or across indexed columns", sql: "SELECT id FROM products WHERE sku = 'a' OR category = 'b'", schema: shop, code: CodeOrAcrossColumns,
			want: []string{"info: `sku` = 'a' OR `category` = 'b'"}, why: "index_merge"},
		{name: "or inside a conjunction", sql: "SELECT id FROM t WHERE x = 5 AND (a = 1 OR b IN (2, 3))", code: CodeOrAcrossColumns,
			want: []string{"warning: `a` = 1 OR `b` IN (2,3)"}, fix: "WHERE `x` = 5 AND `a` = 1 UNION SELECT `id` FROM `t` WHERE `x` = 5 AND `b` IN (2,3)"},
		{name: "or on one column", sql: "SELECT id FROM t WHERE a = 1 OR a = 2", code: CodeOrAcrossColumns},
		{name: "or with a common column", sql: "SELECT id FROM t WHERE (a = 1 AND b = 2) OR (a = 3 AND c = 4)", code: CodeOrAcrossColumns},
		{name: "or comparing columns", sql: "SELECT id FROM t WHERE a = 1 OR b = c", code: CodeOrAcrossColumns},

		// OrderByRand
		{name: "order by rand", sql: "SELECT id, name FROM products ORDER BY RAND() LIMIT 5", schema: shop, code: CodeOrderByRand,
			want: []string{"warning: ORDER BY RAND()"}, fix: "JOIN (SELECT FLOOR(1 + RAND() * (SELECT MAX(`id`) FROM `shop`.`products`)) AS `r`) AS `rnd` ON `products`.`id` >= `rnd`.`r` ORDER BY `products`.`id` LIMIT 5"},
		{name: "order by rand on a union", sql: "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY RAND()", code: CodeOrderByRand, want: []string{"warning: ORDER BY RAND()"}},
		{name: "order by column", sql: "SELECT id FROM products ORDER BY id", code: CodeOrderByRand},
		{name: "rand in the select list", sql: "SELECT RAND() FROM products", code: CodeOrderByRand},

		// LargeOffset
		{name: "large offset", sql: "SELECT id FROM orders ORDER BY created_at DESC, id DESC LIMIT 50000, 20", code: CodeLargeOffset,
			want: []string{"warning: LIMIT 50000,20"}, fix: "WHERE (`created_at`, `id`) < (?, ?) ORDER BY `created_at` DESC, `id` DESC LIMIT 20"},
		{name: "large OFFSET keyword", sql: "SELECT id FROM orders LIMIT 20 OFFSET 10000", schema: shop, code: CodeLargeOffset,
			want: []string{"warning: LIMIT 10000,20"}, fix: "WHERE `id` > ? ORDER BY `id` LIMIT 20", why: "not even in a defined order"},
		{name: "small offset", sql: "SELECT id FROM orders ORDER BY id LIMIT 100, 20", code: CodeLargeOffset},
		{name: "offset parameter", sql: "SELECT id FROM orders ORDER BY id LIMIT ?, 20", code: CodeLargeOffset},

		// NotInNullableSubquery
		{name: "not in over nullable column", sql: "SELECT code FROM legacy_coupons WHERE code NOT IN (SELECT coupon_code FROM orders)", schema: shop, code: CodeNotInNullableSubquery,
			want: []string{"warning: `code` NOT IN (SELECT `coupon_code` FROM `orders`)"}, why: "orders.coupon_code is nullable",
			fix: "NOT EXISTS (SELECT 1 FROM `orders` WHERE `coupon_code` = `legacy_coupons`.`code`)"},
		{name: "negated IN", sql: "SELECT code FROM legacy_coupons WHERE NOT (code IN (SELECT coupon_code FROM orders WHERE total > 5))", schema: shop, code: CodeNotInNullableSubquery,
			want: []string{"warning: `code` IN (SELECT `coupon_code` FROM `orders` WHERE `total` > 5)"}, fix: "WHERE `total` > 5 AND `coupon_code` IS NOT NULL"},
		{name: "not in without schema", sql: "SELECT id FROM t WHERE x NOT IN (SELECT y FROM u)", code: CodeNotInNullableSubquery,
			want: []string{"info: `x` NOT IN (SELECT `y` FROM `u`)"}},
		{name: "not null column", sql: "SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)", schema: shop, code: CodeNotInNullableSubquery},
		{name: "nulls excluded", sql: "SELECT code FROM legacy_coupons WHERE code NOT IN (SELECT coupon_code FROM orders WHERE coupon_code IS NOT NULL)", schema: shop, code: CodeNotInNullableSubquery},
		{name: "nulls excluded by a comparison", sql: "SELECT id FROM t WHERE x NOT IN (SELECT y FROM u WHERE y > 0)", code: CodeNotInNullableSubquery},
		{name: "IN", sql: "SELECT code FROM legacy_coupons WHERE code IN (SELECT coupon_code FROM orders)", schema: shop, code: CodeNotInNullableSubquery},

		// CorrelatedSubqueryInSelect
		{name: "correlated count", sql: "SELECT o.id, (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS n FROM orders o", schema: shop, code: CodeCorrelatedSubqueryInSelect,
			want: []string{"warning: (SELECT COUNT(1) FROM `order_items` AS `i` WHERE `i`.`order_id` = `o`.`id`)"}, why: "about 200000 rows of orders",
			fix: "LEFT JOIN (SELECT `i`.`order_id`, COUNT(1) AS `v` FROM `order_items` AS `i` GROUP BY `i`.`order_id`) AS `sq_n` ON `sq_n`.`order_id` = `o`.`id`, and select COALESCE(`sq_n`.`v`, 0)"},
		{name: "correlated by unqualified outer column", sql: "SELECT id, (SELECT MAX(total) FROM orders WHERE orders.customer_id = customers.id AND status = 'paid') FROM customers", schema: shop, code: CodeCorrelatedSubqueryInSelect,
			want: []string{"warning: (SELECT MAX(`total`) FROM `orders` WHERE `orders`.`customer_id` = `customers`.`id` AND `status` = 'paid')"},
			fix:  "(SELECT `orders`.`customer_id`, MAX(`total`) AS `v` FROM `orders` WHERE `status` = 'paid' GROUP BY `orders`.`customer_id`) AS `sq` ON `sq`.`customer_id` = `customers`.`id`"},
		{name: "uncorrelated subquery", sql: "SELECT id, (SELECT MAX(id) FROM orders) FROM customers", code: CodeCorrelatedSubqueryInSelect},
		{name: "correlated in WHERE", sql: "SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)", code: CodeCorrelatedSubqueryInSelect},

		// UnboundedSelect
		{name: "whole big table", sql: "SELECT * FROM order_items", schema: shop, code: CodeUnboundedSelect,
			want: []string{"warning: FROM `order_items`"}, why: "about 500000 rows",
			fix: "SELECT * FROM `order_items` WHERE (`order_id`, `line_no`) > (?, ?) ORDER BY `order_id`, `line_no` LIMIT 1000"},
		{name: "big table joined", sql: "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id", schema: shop, code: CodeUnboundedSelect,
			want: []string{"warning: FROM `orders` AS `o` JOIN `customers` AS `c` ON `c`.`id` = `o`.`customer_id`"}},
		{name: "small table", sql: "SELECT * FROM products", schema: shop, code: CodeUnboundedSelect},
		{name: "limited", sql: "SELECT * FROM order_items LIMIT 10", schema: shop, code: CodeUnboundedSelect},
		{name: "aggregated", sql: "SELECT COUNT(*) FROM order_items", schema: shop, code: CodeUnboundedSelect},
		{name: "filtered", sql: "SELECT * FROM order_items WHERE order_id = 5", schema: shop, code: CodeUnboundedSelect},
		{name: "distinct values", sql: "SELECT DISTINCT product_id FROM order_items", schema: shop, code: CodeUnboundedSelect},
		{name: "threshold from schema", sql: "SELECT * FROM products", schema: &SchemaInfo{DefaultSchema: "shop", Tables: shop.Tables, LargeTableRows: 1000}, code: CodeUnboundedSelect,
			want: []string{"warning: FROM `products`"}},
		{name: "no schema, no row estimate", sql: "SELECT * FROM order_items", code: CodeUnboundedSelect},

		// NonAggregatedGroupBy
		{name: "column not grouped", sql: "SELECT customer_id, status, COUNT(*) FROM orders GROUP BY customer_id", code: CodeNonAggregatedGroupBy,
			want: []string{"warning: `status`"}, fix: "GROUP BY `customer_id`, `status`"},
		{name: "aggregate without GROUP BY", sql: "SELECT name, COUNT(*) FROM products", code: CodeNonAggregatedGroupBy, want: []string{"warning: `name`"}},
		{name: "column inside an expression", sql: "SELECT customer_id, UPPER(currency) AS c, SUM(total) FROM orders GROUP BY customer_id", code: CodeNonAggregatedGroupBy,
			want: []string{"warning: `currency`"}},
		{name: "grouped", sql: "SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id", code: CodeNonAggregatedGroupBy},
		{name: "grouped by alias", sql: "SELECT DATE(created_at) AS d, COUNT(*) FROM orders GROUP BY d", code: CodeNonAggregatedGroupBy},
		{name: "grouped by position", sql: "SELECT DATE(created_at), COUNT(*) FROM orders GROUP BY 1", code: CodeNonAggregatedGroupBy},
		{name: "determined by the primary key", sql: "SELECT c.id, c.name, COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id", schema: shop, code: CodeNonAggregatedGroupBy},
		{name: "determined through a join", sql: "SELECT o.status, c.country, COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY o.id", schema: shop, code: CodeNonAggregatedGroupBy},
		{name: "not determined through a join", sql: "SELECT o.status, c.country, COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.id", schema: shop, code: CodeNonAggregatedGroupBy,
			want: []string{"warning: `o`.`status`"}},
		{name: "fixed by WHERE", sql: "SELECT customer_id, status, COUNT(*) FROM orders WHERE customer_id = 5 GROUP BY status", code: CodeNonAggregatedGroupBy},
		{name: "ANY_VALUE", sql: "SELECT customer_id, ANY_VALUE(status) FROM orders GROUP BY customer_id", code: CodeNonAggregatedGroupBy},
		{name: "primary key unknown without schema", sql: "SELECT c.id, c.name, COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id", code: CodeNonAggregatedGroupBy,
			want: []string{"warning: `c`.`name`"}},

		// UnionWithoutAll
		{name: "union", sql: "SELECT id FROM a UNION SELECT id FROM b", code: CodeUnionWithoutAll,
			want: []string{"info: SELECT `id` FROM `a` UNION SELECT `id` FROM `b`"}, fix: "SELECT `id` FROM `a` UNION ALL SELECT `id` FROM `b`"},
		{name: "disjoint branches", sql: "SELECT 'a' AS src, id FROM a UNION SELECT 'b', id FROM b", code: CodeUnionWithoutAll,
			want: []string{"warning: SELECT 'a' AS `src`,`id` FROM `a` UNION SELECT 'b',`id` FROM `b`"}, why: "column 1 is 'a' / 'b'"},
		{name: "union all", sql: "SELECT id FROM a UNION ALL SELECT id FROM b", code: CodeUnionWithoutAll},
		{name: "union in a subquery", sql: "SELECT * FROM t WHERE id IN (SELECT id FROM a UNION SELECT id FROM b)", code: CodeUnionWithoutAll,
			want: []string{"info: SELECT `id` FROM `a` UNION SELECT `id` FROM `b`"}},

		// InsertWithoutColumns
		{name: "insert values", sql: "INSERT INTO products VALUES (1, 'a', 'b', 'c', 1.5, DEFAULT, 1, NULL, NOW())", schema: shop, code: CodeInsertWithoutColumns,
			want: []string{"warning: INSERT INTO `products` VALUES (…)"}, fix: "INSERT INTO `products` (`id`, `sku`, `name`, `category`, `price`, `stock`, `attrs`, `created_at`) VALUES (…)"},
		{name: "replace select", sql: "REPLACE INTO t SELECT a, b FROM u", code: CodeInsertWithoutColumns, want: []string{"warning: REPLACE INTO `t` SELECT …"}},
		{name: "insert with columns", sql: "INSERT INTO t (a) VALUES (1)", code: CodeInsertWithoutColumns},
		{name: "insert set", sql: "INSERT INTO t SET a = 1", code: CodeInsertWithoutColumns},

		// NonSargableDate
		{name: "DATE() equals", sql: "SELECT id FROM orders WHERE DATE(created_at) = '2024-01-01'", schema: shop, code: CodeNonSargableDate,
			want: []string{"warning: DATE(`created_at`) = '2024-01-01'"},
			fix:  "Compare the bare column with a range: `created_at` >= '2024-01-01' AND `created_at` < '2024-01-02'. No index starts with `created_at` yet: ALTER TABLE `shop`.`orders` ADD INDEX `idx_orders_created_at` (`created_at`)."},
		{name: "YEAR()", sql: "SELECT id FROM t WHERE YEAR(d) = 2024", code: CodeNonSargableDate,
			want: []string{"warning: YEAR(`d`) = 2024"}, fix: "`d` >= '2024-01-01' AND `d` < '2025-01-01'."},
		{name: "YEAR() greater", sql: "SELECT id FROM t WHERE YEAR(d) > 2024", code: CodeNonSargableDate, fix: "`d` >= '2025-01-01'."},
		{name: "DATE() between", sql: "SELECT id FROM t WHERE DATE(d) BETWEEN '2024-01-01' AND '2024-01-31'", code: CodeNonSargableDate,
			want: []string{"warning: DATE(`d`) BETWEEN '2024-01-01' AND '2024-01-31'"}, fix: "`d` >= '2024-01-01' AND `d` < '2024-02-01'."},
		{name: "DATE() at most", sql: "SELECT id FROM t WHERE '2024-02-28' >= DATE(d)", code: CodeNonSargableDate, fix: "`d` < '2024-02-29'."},
		{name: "DATE() of CURDATE()", sql: "SELECT id FROM t WHERE DATE(d) = CURDATE()", code: CodeNonSargableDate,
			fix: "`d` >= CURDATE() AND `d` < CURDATE() + INTERVAL 1 DAY."},
		{name: "interval arithmetic", sql: "SELECT id FROM t WHERE d + INTERVAL 1 DAY > NOW()", code: CodeNonSargableDate,
			want: []string{"warning: DATE_ADD(`d`, INTERVAL 1 DAY) > NOW()"}, fix: "`d` > NOW() - INTERVAL 1 DAY."},
		{name: "DATE_SUB", sql: "SELECT id FROM t WHERE DATE_SUB(d, INTERVAL 2 HOUR) < ?", code: CodeNonSargableDate, fix: "`d` < ? + INTERVAL 2 HOUR."},
		{name: "DATE_FORMAT month", sql: "SELECT id FROM t WHERE DATE_FORMAT(d, '%Y-%m') = '2024-02'", code: CodeNonSargableDate,
			fix: "`d` >= '2024-02-01' AND `d` < '2024-03-01'."},
		{name: "UNIX_TIMESTAMP", sql: "SELECT id FROM t WHERE UNIX_TIMESTAMP(d) > 1700000000", code: CodeNonSargableDate, fix: "`d` > FROM_UNIXTIME(1700000000)."},
		{name: "bare date column", sql: "SELECT id FROM t WHERE d >= '2024-01-01'", code: CodeNonSargableDate},
		{name: "not a date column", sql: "SELECT id FROM products WHERE DATE(sku) = '2024-01-01'", schema: shop, code: CodeNonSargableDate},
		{name: "compared with a column", sql: "SELECT id FROM t WHERE DATE(d) = DATE(e)", code: CodeNonSargableDate},
		{name: "indexed date column has no index hint", sql: "SELECT id FROM orders WHERE customer_id = 1 AND YEAR(created_at) = 2024", schema: shop, code: CodeNonSargableDate,
			want: []string{"warning: YEAR(`created_at`) = 2024"}, fix: "No index starts with `created_at` yet"},

		// NotAnalyzed
		{name: "not SQL", sql: "SELEC 1 FROM t", code: CodeNotAnalyzed, want: []string{"info: SELEC 1 FROM t"}},
		{name: "number the parser's driver panics on", sql: "SELECT 1" + strings.Repeat("0", 90), code: CodeNotAnalyzed,
			want: []string{"info: SELECT 1" + strings.Repeat("0", 90)}},
		{name: "statement the grammar lacks", sql: "SHOW ENGINE INNODB STATUS", code: CodeNotAnalyzed},
		{name: "MariaDB RETURNING is analysed", sql: "DELETE FROM t RETURNING id", code: CodeNotAnalyzed},
	}
	seen := map[string][2]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewClassifier().Analyze(tt.sql, tt.schema)
			var got []string
			var first *dba.Finding
			for i, f := range fs {
				if f.Code == tt.code {
					got = append(got, string(f.Severity)+": "+f.Evidence)
					if first == nil {
						first = &fs[i]
					}
				}
			}
			if tt.want != nil || tt.fix == "" {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s findings (-want +got):\n%s\nall: %+v", tt.code, diff, fs)
				}
			}
			if (tt.fix != "" || tt.why != "") && first == nil {
				t.Fatalf("no %s finding: %+v", tt.code, fs)
			}
			if tt.fix != "" && !strings.Contains(first.Fix, tt.fix) {
				t.Errorf("fix lacks %q:\n%s", tt.fix, first.Fix)
			}
			if tt.why != "" && !strings.Contains(first.Why, tt.why) {
				t.Errorf("why lacks %q:\n%s", tt.why, first.Why)
			}
		})
		s := seen[tt.code]
		if tt.want != nil || tt.fix != "" {
			s[0] = true
		} else {
			s[1] = true
		}
		seen[tt.code] = s
	}
	for _, code := range AnalyzeCodes() {
		if s := seen[code]; !s[0] || !s[1] {
			t.Errorf("%s: positive test %v, negative test %v; every code needs both", code, s[0], s[1])
		}
	}
}

// TestAnalyzeGolden pins the complete findings (why and fix included) for
// a corpus of statements, with and without the schema.
func TestAnalyzeGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "analyze.sql"))
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		SQL      string        `json:"sql"`
		Offline  []dba.Finding `json:"offline"`
		BySchema []dba.Finding `json:"with_schema"`
	}
	var got []entry
	c := NewClassifier()
	for _, st := range Split(string(raw)) {
		got = append(got, entry{SQL: st.Text, Offline: c.Analyze(st.Text, nil), BySchema: c.Analyze(st.Text, shopSchema())})
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "analyze.golden.json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("analyze findings differ from %s (-want +got):\n%s", path, diff)
	}
}

func TestAnalyzePositions(t *testing.T) {
	sql := "SELECT id\nFROM orders\nWHERE DATE(created_at) = '2024-01-01'\n  AND note LIKE '%ü%'"
	fs := NewClassifier().Analyze(sql, nil)
	type pos struct {
		Code         string
		Line, Column int
	}
	var got []pos
	for _, f := range fs {
		got = append(got, pos{f.Code, f.Line, f.Column})
	}
	want := []pos{{CodeNonSargableDate, 3, 7}, {CodeLeadingWildcardLike, 4, 7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
	// Text rewritten before parsing (an executable comment) has no
	// reliable positions.
	for _, f := range NewClassifier().Analyze("SELECT /*!40001 SQL_NO_CACHE */ * FROM t", nil) {
		if f.Line != 0 || f.Column != 0 {
			t.Errorf("position after rewriting: %+v", f)
		}
	}
}

// TestAnalyzeOrder: most severe first, then by position; the same on every
// run.
func TestAnalyzeOrder(t *testing.T) {
	sql := "SELECT * FROM orders o, customers c WHERE LOWER(c.email) = 'x' ORDER BY RAND()"
	c := NewClassifier()
	first := c.Analyze(sql, shopSchema())
	var codes []string
	for _, f := range first {
		codes = append(codes, string(f.Severity)+" "+f.Code)
	}
	want := []string{"error CartesianJoin", "warning SelectStar", "warning OrderByRand"}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	for range 20 {
		if diff := cmp.Diff(first, c.Analyze(sql, shopSchema())); diff != "" {
			t.Fatalf("not deterministic:\n%s", diff)
		}
	}
}

func TestAnalyzeDoesNotChangeTheStatement(t *testing.T) {
	// Rules rewrite the parsed statement for their fixes and must put it
	// back: a second rule (or run) sees the original.
	sql := "DELETE FROM order_items WHERE product_id = 7"
	c := NewClassifier()
	a := c.Analyze(sql, shopSchema())
	b := c.Analyze(sql, shopSchema())
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("second run differs:\n%s", diff)
	}
	for _, f := range a {
		if strings.Contains(f.Evidence, "LIMIT") {
			t.Errorf("evidence shows the rewrite: %+v", f)
		}
	}
}

func TestReferencedTables(t *testing.T) {
	c := NewClassifier()
	tests := []struct {
		sql  string
		want []dba.QualifiedName
	}{
		{"SELECT * FROM orders o JOIN shop2.customers c ON c.id = o.customer_id", []dba.QualifiedName{{Schema: "shop", Name: "orders"}, {Schema: "shop2", Name: "customers"}}},
		{"WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN recent r2", []dba.QualifiedName{{Schema: "shop", Name: "orders"}}},
		{"DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id", []dba.QualifiedName{{Schema: "shop", Name: "orders"}, {Schema: "shop", Name: "customers"}}},
		{"INSERT INTO archive SELECT * FROM orders WHERE id IN (SELECT order_id FROM order_items)", []dba.QualifiedName{{Schema: "shop", Name: "orders"}, {Schema: "shop", Name: "order_items"}, {Schema: "shop", Name: "archive"}}},
		{"SELEC nothing", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, c.ReferencedTables(tt.sql, "shop")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.sql, diff)
		}
	}
}

// TestAnalyzeDocs: docs/analyze.md documents every code.
func TestAnalyzeDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "analyze.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range AnalyzeCodes() {
		if !strings.Contains(string(b), "### "+code) {
			t.Errorf("docs/analyze.md has no section for %s", code)
		}
	}
}

// TestAnalyzeLargeInputs guards against rules that are quadratic in the
// size of a clause: each input takes milliseconds; the bound is loose for
// busy machines (a quadratic GROUP BY check once took 15 s here).
func TestAnalyzeLargeInputs(t *testing.T) {
	inputs := map[string]string{
		"OR chain":       "SELECT id FROM t WHERE " + strings.Repeat("a = 1 OR b = 2 OR ", 2000) + "c = 3",
		"AND chain":      "SELECT id FROM t WHERE " + strings.Repeat("DATE(a) = '2024-01-01' AND ", 2000) + "c = 3",
		"nested parens":  "SELECT " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500),
		"subqueries":     "SELECT a FROM t WHERE " + strings.Repeat("a IN (SELECT a FROM t WHERE ", 100) + "1" + strings.Repeat(")", 100),
		"group by":       "SELECT " + strings.Repeat("a, COUNT(b), ", 2000) + "c FROM t GROUP BY " + strings.Repeat("d, ", 2000) + "e",
		"union":          strings.Repeat("SELECT a FROM t UNION ", 1000) + "SELECT 1",
		"joins":          "SELECT 1 FROM t0" + strings.Repeat(", t", 300),
		"IN list":        "SELECT 1 FROM t WHERE a IN (" + strings.Repeat("1, ", 20000) + "2)",
		"OR with others": "SELECT id FROM t WHERE " + strings.Repeat("x = 1 AND ", 2000) + "(" + strings.Repeat("a = 1 OR b = 2 OR ", 1000) + "c = 3)",
	}
	c := NewClassifier()
	for name, sql := range inputs {
		start := time.Now()
		c.Analyze(sql, shopSchema())
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s (%d bytes) took %v", name, len(sql), took)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM orders WHERE DATE(created_at) = '2024-01-01'",
		"SELECT o.id, (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) FROM orders o, customers c ORDER BY RAND() LIMIT 10000, 5",
		"DELETE FROM order_items WHERE product_id = 7",
		"UPDATE orders SET status = 'x'",
		"INSERT INTO products VALUES (1)",
		"SELECT a FROM t UNION SELECT b FROM u",
		"SELECT id FROM customers WHERE email = 42 OR phone LIKE '%1' AND x NOT IN (SELECT coupon_code FROM orders)",
		"SELECT customer_id, status, COUNT(*) FROM orders GROUP BY 2",
		"WITH x AS (SELECT 1) SELECT * FROM x, (SELECT 2) y",
		"SELECT id FROM t WHERE YEAR(d) BETWEEN ? AND ? AND d + INTERVAL 1 DAY > NOW()",
		"EXPLAIN SELECT * FROM order_items",
	} {
		f.Add(s)
	}
	schema := shopSchema()
	f.Fuzz(func(t *testing.T, sql string) {
		c := NewClassifier()
		for _, s := range []*SchemaInfo{nil, schema} {
			a := c.Analyze(sql, s)
			b := c.Analyze(sql, s)
			if diff := cmp.Diff(a, b); diff != "" {
				t.Fatalf("not deterministic for %q:\n%s", sql, diff)
			}
			for _, fd := range a {
				if fd.Code == "" || fd.Severity.Level() == 0 || fd.Why == "" || fd.Fix == "" {
					t.Fatalf("incomplete finding for %q: %+v", sql, fd)
				}
			}
		}
	})
}

// BenchmarkAnalyze analyses the golden corpus (18 statements, every rule)
// per iteration, offline and with the shop schema.
func BenchmarkAnalyze(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "analyze.sql"))
	if err != nil {
		b.Fatal(err)
	}
	stmts := Split(string(raw))
	for _, bc := range []struct {
		name   string
		schema *SchemaInfo
	}{{"offline", nil}, {"schema", shopSchema()}} {
		b.Run(bc.name, func(b *testing.B) {
			c := NewClassifier()
			b.ReportAllocs()
			for b.Loop() {
				for _, st := range stmts {
					c.Analyze(st.Text, bc.schema)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(stmts))/1000, "µs/stmt")
		})
	}
}
