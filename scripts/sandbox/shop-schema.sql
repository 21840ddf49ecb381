-- Schema of the sandbox's sample shop (MariaDB 10.11+). Loaded by
-- scripts/sandbox.sh start on the primary only when `shop` is absent; the
-- rows come from shop-data.sql.
--
-- The indexing is deliberately weak so mydba's advisors have something real
-- to find. Do not "fix" these without updating the tests that rely on them:
--   * no index on orders.created_at   (recent-orders queries scan + filesort)
--   * no index on orders.status
--   * no index on customers.email     (login lookup is a full scan)
--   * orders.idx_orders_customer is redundant: it is a left prefix of
--     idx_orders_customer_created
-- Other intentional features: an Aria table (page_views), a MyISAM table in
-- latin1 (legacy_coupons), a view, a procedure, a function, a trigger, a
-- disabled event, many column types, non-ASCII text and emoji, NULLs.

CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci
  COMMENT 'mydba sandbox sample data (loading)';
USE shop;

CREATE TABLE customers (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT,
  email       VARCHAR(255) NOT NULL,
  name        VARCHAR(200) NOT NULL,
  country     CHAR(2) NOT NULL,
  city        VARCHAR(100) NOT NULL,
  phone       VARCHAR(32) NULL,
  birth_year  YEAR NULL,
  status      ENUM('active','inactive','banned') NOT NULL DEFAULT 'active',
  newsletter  SET('news','offers','partners') NOT NULL DEFAULT '',
  note        TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_customers_country_city (country, city)
) ENGINE=InnoDB COMMENT='shop customers; email deliberately unindexed';

CREATE TABLE products (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT,
  sku         VARCHAR(32) NOT NULL,
  name        VARCHAR(200) NOT NULL,
  category    VARCHAR(64) NOT NULL,
  price       DECIMAL(10,2) NOT NULL,
  price_gross DECIMAL(10,2) AS (ROUND(price * 1.19, 2)) VIRTUAL,
  stock       INT NOT NULL DEFAULT 0,
  weight_kg   FLOAT NULL,
  is_active   BIT(1) NOT NULL DEFAULT b'1',
  attrs       JSON NULL,
  thumbnail   BLOB NULL,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uk_products_sku (sku),
  KEY idx_products_category (category)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id               INT UNSIGNED NOT NULL AUTO_INCREMENT,
  customer_id      INT UNSIGNED NOT NULL,
  status           ENUM('new','paid','shipped','delivered','cancelled','refunded') NOT NULL DEFAULT 'new',
  created_at       DATETIME NOT NULL,
  total            DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  currency         CHAR(3) NOT NULL DEFAULT 'EUR',
  shipping_country CHAR(2) NOT NULL,
  coupon_code      VARCHAR(16) NULL,
  note             VARCHAR(500) NULL,
  PRIMARY KEY (id),
  KEY idx_orders_customer (customer_id),
  KEY idx_orders_customer_created (customer_id, created_at),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB COMMENT='no index on status or created_at, one redundant index: on purpose';

CREATE TABLE order_items (
  order_id    INT UNSIGNED NOT NULL,
  line_no     SMALLINT UNSIGNED NOT NULL,
  product_id  INT UNSIGNED NOT NULL,
  qty         SMALLINT UNSIGNED NOT NULL,
  unit_price  DECIMAL(10,2) NOT NULL,
  line_total  DECIMAL(12,2) AS (qty * unit_price) STORED,
  PRIMARY KEY (order_id, line_no),
  KEY idx_order_items_product (product_id),
  CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT fk_order_items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

CREATE TABLE payments (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id      INT UNSIGNED NOT NULL,
  method        ENUM('card','paypal','transfer','voucher') NOT NULL,
  status        ENUM('pending','authorized','captured','failed','refunded') NOT NULL,
  amount        DECIMAL(12,2) NOT NULL,
  provider_ref  VARBINARY(16) NULL,
  created_at    DATETIME(6) NOT NULL,
  paid_at       TIMESTAMP NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_payments_order (order_id),
  CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB;

-- Written by the trigger below whenever an order changes status.
CREATE TABLE order_status_history (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id    INT UNSIGNED NOT NULL,
  old_status  VARCHAR(16) NOT NULL,
  new_status  VARCHAR(16) NOT NULL,
  changed_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY idx_osh_order (order_id),
  CONSTRAINT fk_osh_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB;

-- Aria: the crash-safe MyISAM successor MariaDB uses for system tables.
CREATE TABLE page_views (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  customer_id  INT UNSIGNED NULL,
  session_id   UUID NOT NULL,
  client_ip    INET6 NOT NULL,
  url          VARCHAR(255) NOT NULL,
  referrer     VARCHAR(255) NULL,
  user_agent   VARCHAR(255) NOT NULL,
  duration_ms  MEDIUMINT UNSIGNED NOT NULL,
  viewed_at    DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  KEY idx_page_views_customer (customer_id)
) ENGINE=Aria TRANSACTIONAL=1;

-- MyISAM in latin1: the kind of leftover a real shop carries around.
CREATE TABLE legacy_coupons (
  code          VARCHAR(16) NOT NULL,
  discount_pct  TINYINT UNSIGNED NOT NULL,
  valid_from    DATE NOT NULL,
  valid_to      DATE NULL,
  max_uses      SMALLINT UNSIGNED NOT NULL,
  used          INT UNSIGNED NOT NULL DEFAULT 0,
  channels      SET('web','app','store') NOT NULL DEFAULT 'web',
  flags         BIT(8) NOT NULL DEFAULT b'00000000',
  description   VARCHAR(100) NULL,
  PRIMARY KEY (code)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

DELIMITER //

-- VAT rate by shipping country; used by the view.
CREATE FUNCTION vat_rate(p_country CHAR(2)) RETURNS DECIMAL(4,3)
  DETERMINISTIC NO SQL
  COMMENT 'VAT rate for a shipping country'
BEGIN
  RETURN CASE p_country
    WHEN 'DE' THEN 0.190 WHEN 'FR' THEN 0.200 WHEN 'ES' THEN 0.210
    WHEN 'IT' THEN 0.220 WHEN 'PL' THEN 0.230 WHEN 'SE' THEN 0.250
    WHEN 'DK' THEN 0.250 WHEN 'AT' THEN 0.200 WHEN 'NL' THEN 0.210
    WHEN 'CZ' THEN 0.210 WHEN 'PT' THEN 0.230 WHEN 'IE' THEN 0.230
    ELSE 0.000 END;
END//

-- Order count and revenue of one customer; the workload CALLs it. OUT
-- parameters rather than a result set: sysbench's driver cannot read the
-- extra result a CALL returns with rows.
CREATE PROCEDURE customer_order_stats(IN p_customer_id INT UNSIGNED,
                                      OUT p_orders INT UNSIGNED,
                                      OUT p_revenue DECIMAL(14,2))
  READS SQL DATA
  COMMENT 'order count and revenue of one customer'
BEGIN
  SELECT COUNT(*), COALESCE(SUM(total), 0) INTO p_orders, p_revenue
  FROM orders
  WHERE customer_id = p_customer_id AND status <> 'cancelled';
END//

CREATE TRIGGER orders_status_audit AFTER UPDATE ON orders
FOR EACH ROW
BEGIN
  IF NEW.status <> OLD.status THEN
    INSERT INTO order_status_history (order_id, old_status, new_status)
    VALUES (NEW.id, OLD.status, NEW.status);
  END IF;
END//

DELIMITER ;

CREATE VIEW order_summary AS
SELECT o.id AS order_id, o.created_at, o.status, o.total,
       ROUND(o.total * vat_rate(o.shipping_country), 2) AS vat,
       c.id AS customer_id, c.email, c.name AS customer_name, o.shipping_country
FROM orders o
JOIN customers c ON c.id = o.customer_id;

-- Disabled on purpose: the sandbox runs with event_scheduler=OFF anyway.
CREATE EVENT purge_old_page_views
  ON SCHEDULE EVERY 1 DAY STARTS '2025-01-01 03:00:00'
  ON COMPLETION PRESERVE DISABLE
  COMMENT 'drop page views older than a year'
  DO DELETE FROM page_views WHERE viewed_at < NOW() - INTERVAL 1 YEAR;
