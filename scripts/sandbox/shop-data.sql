-- Rows of the sandbox's sample shop, generated on the server from MariaDB's
-- Sequence engine (seq_1_to_N). Runs after shop-schema.sql on the primary;
-- the replica gets the rows through replication.
--
-- Reproducible: every random value comes from RAND(seed) with a fixed seed per
-- column, evaluated in sequence order inside a derived table (MariaDB
-- materialises derived tables that call RAND(), so each value is drawn once
-- and can be used by several output columns). Timestamps are fixed offsets
-- from 2022-01-01, never NOW(), so the data does not depend on the load date.
-- The data window is 2022-01-01 .. 2025-06-30.

USE shop;
SET SESSION max_heap_table_size = 268435456, tmp_table_size = 268435456;

-- ~50k customers ---------------------------------------------------------
INSERT INTO customers (id, email, name, country, city, phone, birth_year, status,
                       newsletter, note, created_at, updated_at)
SELECT d.seq,
       CONCAT(ELT(d.fi, 'anna','jose','zoe','lukasz','soren','bjorn','chloe','francois',
                        'mateo','olivia','noah','emma','liam','sofia','juergen','mohammed',
                        'aiko','wei','priya','ilayda','siobhan','ngoc','misaki','aleksei'),
              '.',
              ELT(d.li, 'mueller','garcia','smith','nowak','rossi','dubois','andersson',
                        'kowalski','silva','nguyen','yilmaz','obrien','jensen','novak',
                        'fernandez','tanaka','yamada','ivanova','papadopoulos','schmidt'),
              d.seq, '@',
              ELT(d.dom, 'example.com','example.org','example.net','mail.example','shop.example')),
       CONCAT(ELT(d.fi, 'Anna','José','Zoë','Łukasz','Søren','Björn','Chloé','François',
                        'Mateo','Olivia','Noah','Emma','Liam','Sofía','Jürgen','Mohammed',
                        'Aiko','Wei','Priya','İlayda','Siobhán','Ngọc','美咲','Алексей'),
              ' ',
              ELT(d.li, 'Müller','García','Smith','Nowak','Rossi','Dubois','Andersson',
                        'Kowalski','Silva','Nguyễn','Yılmaz','O''Brien','Jensen','Novák',
                        'Fernández','Tanaka','山田','Иванова','Papadopoulos','Schmidt')),
       ELT(d.ci, 'DE','DE','DE','DE','FR','FR','ES','ES','PL','PL','SE','DK','NO','IT',
                 'PT','BR','TR','JP','CN','GR','US','GB','IE','IS','CZ','CH','AT','NL'),
       ELT(d.ci, 'Berlin','München','Köln','Düsseldorf','Paris','Besançon','Madrid','Málaga',
                 'Kraków','Łódź','Göteborg','København','Tromsø','Milano','Lisboa','São Paulo',
                 'İstanbul','東京','北京','Αθήνα','New York','London','Dublin','Reykjavík',
                 'Brno','Zürich','Wien','''s-Hertogenbosch'),
       IF(d.r_phone < 0.2, NULL,
          CONCAT(ELT(d.ci, '+49','+49','+49','+49','+33','+33','+34','+34','+48','+48','+46','+45',
                           '+47','+39','+351','+55','+90','+81','+86','+30','+1','+44','+353','+354',
                           '+420','+41','+43','+31'),
                 ' ', LPAD(FLOOR(d.r_phone * 1e12) % 1000000000, 9, '0'))),
       IF(d.r_year < 0.3, NULL, 1950 + FLOOR((d.r_year - 0.3) / 0.7 * 56)),
       CASE WHEN d.r_status < 0.90 THEN 'active' WHEN d.r_status < 0.98 THEN 'inactive' ELSE 'banned' END,
       ELT(1 + FLOOR(d.r_news * 5), '', 'news', 'news,offers', 'offers', 'news,offers,partners'),
       IF(d.r_note < 0.02,
          ELT(1 + FLOOR(d.r_note * 300), 'VIP customer 🌟', 'Prefers paper invoices 📄',
              'Ruft gern an ☎️', 'Ne pas démarcher', 'Hinterhof, 2. Stock 🚪', '请勿致电'),
          NULL),
       d.created_at,
       LEAST(d.created_at + INTERVAL FLOOR(d.r_upd * 400) DAY, TIMESTAMP'2025-06-30 23:59:59')
FROM (SELECT seq,
             1 + FLOOR(RAND(101) * 24) AS fi,
             1 + FLOOR(RAND(102) * 20) AS li,
             1 + FLOOR(POW(RAND(103), 1.4) * 28) AS ci,
             1 + FLOOR(RAND(104) * 5) AS dom,
             RAND(105) AS r_phone,
             RAND(106) AS r_year,
             RAND(107) AS r_status,
             RAND(108) AS r_news,
             RAND(109) AS r_note,
             RAND(110) AS r_upd,
             TIMESTAMP'2022-01-01 00:00:00'
               + INTERVAL FLOOR((seq - 1 + RAND(111)) * 2200000000) MICROSECOND AS created_at
      FROM seq_1_to_50000) d
ORDER BY d.seq;

-- ~5k products -----------------------------------------------------------
INSERT INTO products (id, sku, name, category, price, stock, weight_kg, is_active, attrs,
                      thumbnail, created_at)
SELECT d.seq,
       CONCAT(UPPER(LEFT(ELT(d.cat, 'books','electronics','kitchen','garden','toys','sports',
                                    'clothing','beauty','music','office','pets','grocery'), 3)),
              '-', LPAD(d.seq, 6, '0')),
       CONCAT(ELT(d.adj, 'Classic','Premium','Eco','Compact','Deluxe','Vintage','Smart',
                         'Handmade','Große','Élégant','Ultra','Organic'),
              ' ',
              ELT((d.cat - 1) * 4 + d.noun,
                  'Novel 📚','Cookbook','Atlas','Poetry collection',
                  'Headphones 🎧','USB-C charger','Smartwatch ⌚','Bluetooth speaker',
                  'Coffee mug ☕','Café grinder','Crème brûlée set','Kettle',
                  'Garden hose','Plant pot 🌱','Pruning shears','Bird feeder',
                  'Teddy bear 🧸','Rocket kit 🚀','Puzzle','Building blocks',
                  'Football ⚽','Yoga mat','Running shoes','Tennis racket 🎾',
                  'T-shirt','Rain jacket','Wool socks 🧦','Sunglasses 😎',
                  'Face cream','Shampoo','Perfume','Lip balm',
                  'Ukulele','Vinyl record','Guitar strings 🎸','Metronome',
                  'Notebook','Fountain pen ✒️','Desk lamp 💡','Stapler',
                  'Dog leash 🐕','Cat tree','Bird cage','Pet bed',
                  'Olive oil','Espresso beans','Dark chocolate 🍫','Green tea'),
              IF(d.r_size < 0.5, '', CONCAT(' ', ELT(1 + FLOOR(d.r_size * 8) % 4, 'S', 'M', 'L', 'XL')))),
       ELT(d.cat, 'books','electronics','kitchen','garden','toys','sports',
                  'clothing','beauty','music','office','pets','grocery'),
       ROUND(0.99 + POW(d.r_price, 3) * 1500, 2),
       IF(d.r_stock < 0.05, 0, FLOOR(d.r_stock * 1000)),
       IF(d.r_weight < 0.1, NULL, ROUND(0.05 + d.r_weight * 20, 2)),
       IF(d.r_active < 0.95, b'1', b'0'),
       IF(d.r_attrs < 0.05, NULL,
          JSON_OBJECT('color', ELT(1 + FLOOR(d.r_attrs * 60) % 6, 'black', 'white', 'red', 'blue', 'grün', 'beige'),
                      'rating', ROUND(1 + d.r_attrs * 4, 1),
                      'tags', JSON_ARRAY(ELT(1 + FLOOR(d.r_attrs * 700) % 5, 'new', 'sale', 'bestseller', 'gift', 'eco'),
                                         ELT(1 + FLOOR(d.r_attrs * 9000) % 4, 'fragile', 'bulky', 'small', 'digital')),
                      'origin', ELT(1 + FLOOR(d.r_attrs * 110000) % 5, 'DE', 'FR', 'CN', 'JP', 'PL'))),
       IF(d.r_thumb < 0.3, UNHEX(SHA2(CONCAT('thumb-', d.seq), 256)), NULL),
       TIMESTAMP'2022-01-01 00:00:00' + INTERVAL FLOOR((d.seq - 1 + d.r_created) * 21000) SECOND
FROM (SELECT seq,
             1 + FLOOR(RAND(201) * 12) AS cat,
             1 + FLOOR(RAND(202) * 12) AS adj,
             1 + FLOOR(RAND(203) * 4) AS noun,
             RAND(204) AS r_size,
             RAND(205) AS r_price,
             RAND(206) AS r_stock,
             RAND(207) AS r_weight,
             RAND(208) AS r_active,
             RAND(209) AS r_attrs,
             RAND(210) AS r_thumb,
             RAND(211) AS r_created
      FROM seq_1_to_5000) d
ORDER BY d.seq;

-- ~500k order lines for 200k orders, staged in memory so that each order's
-- total can be written with the order (no second pass over orders).
-- 1..4 lines per order; popular products have low ids (pareto-like).
CREATE TEMPORARY TABLE tmp_items (
  order_id   INT UNSIGNED NOT NULL,
  line_no    SMALLINT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  qty        SMALLINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY USING BTREE (order_id, line_no)
) ENGINE=MEMORY;

INSERT INTO tmp_items (order_id, line_no, product_id, qty, unit_price)
SELECT d.order_id, d.line_no, p.id, d.qty, p.price
FROM (SELECT o.seq AS order_id, l.seq AS line_no,
             1 + FLOOR(POW(RAND(401), 2) * 5000) AS product_id,
             1 + FLOOR(POW(RAND(402), 4) * 6) AS qty
      FROM seq_1_to_200000 o
      STRAIGHT_JOIN seq_1_to_4 l ON l.seq <= 1 + CRC32(o.seq) % 4) d
JOIN products p ON p.id = d.product_id;

-- 200k orders: the last 8000 (about seven weeks) are still in flight.
INSERT INTO orders (id, customer_id, status, created_at, total, currency, shipping_country,
                    coupon_code, note)
SELECT d.seq, c.id,
       CASE WHEN d.seq > 192000 THEN
              CASE WHEN d.r_status < 0.4 THEN 'new' WHEN d.r_status < 0.7 THEN 'paid' ELSE 'shipped' END
            WHEN d.r_status < 0.70 THEN 'delivered'
            WHEN d.r_status < 0.90 THEN 'cancelled'
            ELSE 'refunded' END,
       d.created_at,
       t.total,
       CASE c.country WHEN 'GB' THEN 'GBP' WHEN 'US' THEN 'USD' WHEN 'CH' THEN 'CHF'
                      WHEN 'SE' THEN 'SEK' WHEN 'PL' THEN 'PLN' ELSE 'EUR' END,
       IF(d.r_ship < 0.92, c.country, ELT(1 + FLOOR(d.r_ship * 1000) % 5, 'DE', 'FR', 'NL', 'AT', 'PL')),
       IF(d.r_coupon < 0.05, CONCAT('SAVE', LPAD(1 + FLOOR(d.r_coupon * 60000), 5, '0')), NULL),
       IF(d.r_note < 0.03,
          ELT(1 + FLOOR(d.r_note * 200), 'Bitte beim Nachbarn abgeben', 'Gift wrap please 🎁',
              'Livraison après 18h', 'Leave at the door 🚪', 'Entregar en recepción', 'Fragile!'),
          NULL)
FROM (SELECT seq,
             1 + FLOOR(POW(RAND(301), 1.3) * 50000) AS customer_id,
             RAND(302) AS r_status,
             TIMESTAMP'2022-01-01 00:00:00' + INTERVAL FLOOR((seq - 1 + RAND(303)) * 550) SECOND AS created_at,
             RAND(304) AS r_ship,
             RAND(305) AS r_coupon,
             RAND(306) AS r_note
      FROM seq_1_to_200000) d
JOIN customers c ON c.id = d.customer_id
JOIN (SELECT order_id, SUM(qty * unit_price) AS total FROM tmp_items GROUP BY order_id) t
  ON t.order_id = d.seq
ORDER BY d.seq;

INSERT INTO order_items (order_id, line_no, product_id, qty, unit_price)
SELECT order_id, line_no, product_id, qty, unit_price FROM tmp_items ORDER BY order_id, line_no;

DROP TEMPORARY TABLE tmp_items;

-- ~165k payments: a failed attempt for 2% of orders, then one payment per
-- order that was not cancelled (pending for new orders).
INSERT INTO payments (order_id, method, status, amount, provider_ref, created_at, paid_at)
SELECT o.id, 'card', 'failed', o.total, UNHEX(MD5(CONCAT('psp-failed-', o.id))),
       o.created_at + INTERVAL 30 SECOND, NULL
FROM orders o
WHERE CRC32(CONCAT('fail-', o.id)) % 50 = 0
ORDER BY o.id;

INSERT INTO payments (order_id, method, status, amount, provider_ref, created_at, paid_at)
SELECT d.id,
       CASE WHEN d.r_method < 0.55 THEN 'card' WHEN d.r_method < 0.85 THEN 'paypal'
            WHEN d.r_method < 0.97 THEN 'transfer' ELSE 'voucher' END,
       CASE d.status WHEN 'new' THEN 'pending' WHEN 'refunded' THEN 'refunded' ELSE 'captured' END,
       d.total,
       IF(d.r_method >= 0.85 AND d.r_method < 0.97, NULL, UNHEX(MD5(CONCAT('psp-', d.id)))),
       d.created_at + INTERVAL FLOOR(d.r_time * 600000000) MICROSECOND,
       IF(d.status = 'new', NULL, d.created_at + INTERVAL 600 + FLOOR(d.r_time * 3600) SECOND)
FROM (SELECT o.id, o.status, o.total, o.created_at, RAND(501) AS r_method, RAND(502) AS r_time
      FROM orders o
      WHERE o.status <> 'cancelled'
      ORDER BY o.id) d
ORDER BY d.id;

-- ~100k page views (Aria), January to June 2025, ~8 views per session ------
INSERT INTO page_views (id, customer_id, session_id, client_ip, url, referrer, user_agent,
                        duration_ms, viewed_at)
SELECT d.seq,
       IF(d.r_cust < 0.4, NULL, 1 + FLOOR((d.r_cust - 0.4) / 0.6 * 50000)),
       CAST(CONCAT_WS('-', SUBSTR(d.h, 1, 8), SUBSTR(d.h, 9, 4), SUBSTR(d.h, 13, 4),
                      SUBSTR(d.h, 17, 4), SUBSTR(d.h, 21, 12)) AS UUID),
       CAST(IF(d.r_ip < 0.8,
               CONCAT('::ffff:198.51.100.', FLOOR(d.r_ip * 320) % 256),
               CONCAT('2001:db8::', LOWER(HEX(FLOOR(d.r_ip * 65536))))) AS INET6),
       CASE WHEN d.r_url < 0.15 THEN '/'
            WHEN d.r_url < 0.65 THEN CONCAT('/product/', 1 + FLOOR(POW(d.r_page, 2) * 5000))
            WHEN d.r_url < 0.80 THEN CONCAT('/category/', ELT(1 + FLOOR(d.r_page * 12), 'books','electronics',
                                          'kitchen','garden','toys','sports','clothing','beauty','music',
                                          'office','pets','grocery'))
            WHEN d.r_url < 0.90 THEN CONCAT('/search?q=', ELT(1 + FLOOR(d.r_page * 6), 'mug', 'caf%C3%A9',
                                          'lamp', 'teddy', 'yoga', 'gr%C3%BCn'))
            WHEN d.r_url < 0.97 THEN '/cart'
            ELSE '/checkout' END,
       CASE WHEN d.r_ref < 0.5 THEN NULL
            WHEN d.r_ref < 0.8 THEN 'https://www.google.com/'
            WHEN d.r_ref < 0.9 THEN 'https://www.bing.com/'
            ELSE 'https://newsletter.example/2025/angebote-für-dich' END,
       ELT(1 + FLOOR(d.r_ua * 5),
           'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
           'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
           'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
           'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
           'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'),
       FLOOR(POW(d.r_dur, 2) * 60000),
       TIMESTAMP'2025-01-01 00:00:00' + INTERVAL FLOOR((d.seq - 1 + d.r_time) * 155520) * 1000 MICROSECOND
FROM (SELECT seq, MD5(CONCAT('session-', seq DIV 8)) AS h,
             RAND(601) AS r_cust, RAND(602) AS r_ip, RAND(603) AS r_url, RAND(604) AS r_page,
             RAND(605) AS r_ref, RAND(606) AS r_ua, RAND(607) AS r_dur, RAND(608) AS r_time
      FROM seq_1_to_100000) d
ORDER BY d.seq;

-- 3000 legacy coupons (MyISAM, latin1); orders.coupon_code refers to them --
INSERT INTO legacy_coupons (code, discount_pct, valid_from, valid_to, max_uses, used, channels,
                            flags, description)
SELECT CONCAT('SAVE', LPAD(d.seq, 5, '0')),
       ELT(1 + FLOOR(d.r_pct * 6), 5, 10, 15, 20, 25, 50),
       d.valid_from,
       IF(d.r_to < 0.2, NULL, d.valid_from + INTERVAL 30 + FLOOR(d.r_to * 365) DAY),
       ELT(1 + FLOOR(d.r_uses * 4), 1, 10, 100, 1000),
       FLOOR(d.r_used * 500),
       ELT(1 + FLOOR(d.r_chan * 5), 'web', 'app', 'store', 'web,app', 'web,app,store'),
       FLOOR(d.r_flags * 256),
       IF(d.r_desc < 0.1, NULL,
          ELT(1 + FLOOR(d.r_desc * 50) % 5, 'Rabatt für Stammkunden', 'Soldes d''été',
              'Café & crème', 'Black Friday', 'Newsletter-Gutschein'))
FROM (SELECT seq, DATE'2015-01-01' + INTERVAL FLOOR(RAND(701) * 3000) DAY AS valid_from,
             RAND(702) AS r_pct, RAND(703) AS r_to, RAND(704) AS r_uses, RAND(705) AS r_used,
             RAND(706) AS r_chan, RAND(707) AS r_flags, RAND(708) AS r_desc
      FROM seq_1_to_3000) d
ORDER BY d.seq;

-- Fresh statistics so EXPLAIN output is stable from the first query on.
ANALYZE TABLE customers, products, orders, order_items, payments, order_status_history,
              page_views, legacy_coupons;

-- Marks the load as complete: sandbox.sh reloads a `shop` without this comment.
ALTER DATABASE shop COMMENT 'mydba sandbox sample data';
