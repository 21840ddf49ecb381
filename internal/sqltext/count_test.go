package sqltext

import "testing"

func TestCountQuery(t *testing.T) {
	tests := []struct {
		in    string
		query string
		rows  int64
		ok    bool
	}{
		{"UPDATE orders SET status = 'x' WHERE id > 5 AND note = 'it''s'", "SELECT COUNT(*) FROM `orders` WHERE `id`>5 AND `note`=_UTF8MB4'it''s'", 0, true},
		{"DELETE FROM shop.orders", "SELECT COUNT(*) FROM `shop`.`orders`", 0, true},
		{"DELETE FROM t WHERE a = 1 ORDER BY id LIMIT 10", "SELECT COUNT(*) FROM (SELECT 1 FROM `t` WHERE `a`=1 ORDER BY `id` LIMIT 10) AS `mydba_count`", 0, true},
		{"DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = 'FR'", "SELECT COUNT(*) FROM `orders` AS `o` JOIN `customers` AS `c` ON `c`.`id`=`o`.`customer_id` WHERE `c`.`country`=_UTF8MB4'FR'", 0, true},
		{"INSERT INTO t VALUES (1), (2), (3)", "", 3, true},
		{"INSERT INTO t SET a = 1", "", 1, true},
		{"INSERT INTO a SELECT * FROM b WHERE x = 1", "SELECT COUNT(*) FROM (SELECT * FROM `b` WHERE `x`=1) AS `mydba_count`", 0, true},
		{"LOAD DATA INFILE 'x' INTO TABLE t", "", 0, false},
		{"DROP TABLE t", "", 0, false},
		{"not sql", "", 0, false},
	}
	c := NewClassifier()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, rows, ok := c.CountQuery(tt.in)
			if q != tt.query || rows != tt.rows || ok != tt.ok {
				t.Errorf("CountQuery = %q, %d, %v\nwant           %q, %d, %v", q, rows, ok, tt.query, tt.rows, tt.ok)
			}
		})
	}
}
