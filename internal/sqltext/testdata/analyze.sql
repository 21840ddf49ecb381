-- Statements for TestAnalyzeGolden: one or more per rule, analysed with and
-- without the sandbox shop schema (shopSchema in analyze_test.go). The
-- golden file is analyze.golden.json (go test -update rewrites it).
SELECT * FROM order_items;
SELECT o.*, (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS items
FROM orders o WHERE DATE(o.created_at) = '2024-01-01' ORDER BY RAND() LIMIT 10000, 20;
SELECT id FROM customers WHERE email = 42;
SELECT id FROM customers WHERE email LIKE '%@example.com' OR phone = '123';
SELECT o.id, c.name FROM orders o, customers c;
SELECT 1 FROM orders o JOIN legacy_coupons l ON l.code = o.coupon_code;
SELECT code FROM legacy_coupons WHERE code NOT IN (SELECT coupon_code FROM orders);
SELECT customer_id, status, COUNT(*) FROM orders GROUP BY customer_id;
SELECT id FROM products WHERE LOWER(sku) = 'ab-1' OR category = 'lamps';
SELECT id FROM orders WHERE customer_id = 1 OR status = 'new';
SELECT 'new' AS kind, id FROM orders WHERE status = 'new' UNION SELECT 'paid', id FROM orders WHERE status = 'paid';
INSERT INTO products VALUES (1, 'sku', 'name', 'cat', 1.00, DEFAULT, 3, NULL, NOW());
UPDATE orders SET status = 'cancelled';
UPDATE orders SET status = 'cancelled' WHERE status = 'new';
DELETE FROM order_items WHERE product_id = 7;
DELETE FROM orders;
SELECT id FROM orders WHERE customer_id + 1 = 10 AND YEAR(created_at) = 2024;
SELECT id FROM orders WHERE created_at >= '2024-01-01' AND created_at < '2024-01-02' AND customer_id = 5;
SELEC broken;
