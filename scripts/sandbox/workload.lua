-- A realistic, deliberately imperfect shop workload for the mydba sandbox
-- (sysbench 1.0, MariaDB). Started by `scripts/sandbox.sh workload start`:
--
--   sysbench scripts/sandbox/workload.lua --db-driver=mysql --mysql-db=shop
--     --mysql-user=shop_app ... --threads=4 --rate=40 --time=0 run
--
-- Each event is one user action, picked by weight from MIX below. Some of
-- them are bad on purpose so mydba has something to find: the login looks a
-- customer up by an unindexed email (full scan), the back office lists recent
-- orders by status and date (full scan + filesort), product search uses a
-- leading-wildcard LIKE, a restock holds a hot row while "calling a
-- supplier" (lock waits), and two tasks move stock between the same two
-- products in opposite order (an occasional deadlock).
--
-- Deadlocks (1213) and lock wait timeouts (1205) are in sysbench's default
-- --mysql-ignore-errors list: sysbench restarts the event after
-- before_restart_event below has rolled the transaction back.

sysbench.cmdline.options = {
   customers = {"customer ids to pick from (sample data: 50000)", 50000},
   products = {"product ids to pick from (sample data: 5000)", 5000},
   hot_products = {"bestseller ids 1..N that restocks and deadlocks fight over", 3},
}

local con

function thread_init()
   con = sysbench.sql.driver():connect()
   con:query("SET NAMES utf8mb4")
end

function thread_done()
   con:disconnect()
end

-- A lock wait timeout rolls back only the statement, not the transaction:
-- end it here, or the retried event's BEGIN would commit half an order.
function sysbench.hooks.before_restart_event(err)
   con:query("ROLLBACK")
end

local function uniform(a, b)
   return sysbench.rand.uniform(a, b)
end

local function chance(p)
   return sysbench.rand.uniform_double() < p
end

local function pick(list)
   return list[uniform(1, #list)]
end

-- Popular products have low ids, like in the generated order lines.
local function popular_product()
   local r = sysbench.rand.uniform_double()
   return 1 + math.floor(r * r * sysbench.opt.products)
end

local function quote(s)
   return "'" .. tostring(s):gsub("\\", "\\\\"):gsub("'", "''") .. "'"
end

local function query(fmt, ...)
   return con:query(string.format(fmt, ...))
end

local function query_row(fmt, ...)
   return con:query_row(string.format(fmt, ...))
end

local function max_order_id()
   return tonumber(con:query_row("SELECT MAX(id) FROM orders"))
end

-- Storefront: product page with its sales count, then a page view (Aria).
local function product_page()
   local id = popular_product()
   query("SELECT id, sku, name, category, price, price_gross, stock, attrs FROM products WHERE id = %d", id)
   query("SELECT COUNT(*), COALESCE(SUM(qty), 0) FROM order_items WHERE product_id = %d", id)
   local customer = "NULL"
   if chance(0.6) then
      customer = tostring(uniform(1, sysbench.opt.customers))
   end
   query("INSERT INTO page_views (customer_id, session_id, client_ip, url, referrer, user_agent, duration_ms, viewed_at) " ..
         "VALUES (%s, UUID(), '::ffff:198.51.100.%d', '/product/%d', NULL, 'sysbench shop workload', %d, NOW(3))",
         customer, uniform(1, 254), id, uniform(50, 30000))
end

-- Account page: customer and one of their orders by primary key.
local function account_page()
   local id = uniform(1, sysbench.opt.customers)
   query("SELECT id, email, name, country, city, status, newsletter FROM customers WHERE id = %d", id)
   local order_id = uniform(1, max_order_id())
   query("SELECT id, customer_id, status, created_at, total, currency FROM orders WHERE id = %d", order_id)
   query("SELECT i.line_no, i.qty, i.unit_price, i.line_total, p.name FROM order_items i " ..
         "JOIN products p ON p.id = i.product_id WHERE i.order_id = %d ORDER BY i.line_no", order_id)
end

-- Login: customers.email has no index, so this scans the whole table.
local function login()
   local email = query_row("SELECT email FROM customers WHERE id = %d", uniform(1, sysbench.opt.customers))
   if email then
      query("SELECT id, name, status FROM customers WHERE email = %s", quote(email))
   end
end

-- Back office: recent orders by status, newest first. No index on status
-- or created_at: full scan and filesort.
local function recent_orders()
   local status = pick({"new", "paid", "shipped", "delivered", "cancelled", "refunded"})
   query("SELECT id, customer_id, total, shipping_country, created_at FROM orders " ..
         "WHERE status = '%s' AND created_at >= '2025-06-30' - INTERVAL %d DAY " ..
         "ORDER BY created_at DESC LIMIT 20", status, uniform(1, 90))
end

local SEARCH_WORDS = {"Mug", "lamp", "Teddy", "Yoga", "Café", "Premium", "Eco", "grinder",
                      "Vinyl", "Große", "🚀", "socks", "Smart", "chocolate"}
local CATEGORIES = {"books", "electronics", "kitchen", "garden", "toys", "sports",
                    "clothing", "beauty", "music", "office", "pets", "grocery"}

-- Product search with a leading wildcard: no index can help.
local function product_search()
   local word = pick(SEARCH_WORDS)
   if chance(0.5) then
      query("SELECT id, sku, name, price FROM products WHERE name LIKE %s AND category = '%s' " ..
            "ORDER BY price LIMIT 20", quote("%" .. word .. "%"), pick(CATEGORIES))
   else
      query("SELECT id, sku, name, price FROM products WHERE name LIKE %s ORDER BY price LIMIT 20",
            quote("%" .. word .. "%"))
   end
end

local NOTES = {"Bitte klingeln 🔔", "Leave at the door", "Gift wrap please 🎁", "Livraison après 18h"}

-- Checkout: order, lines, stock and a pending payment in one transaction.
-- Lines are not sorted by product, so two checkouts of the same bestsellers
-- can deadlock, as they do in real shops.
local function place_order()
   local customer = uniform(1, sysbench.opt.customers)
   con:query("BEGIN")
   local country = query_row("SELECT country FROM customers WHERE id = %d", customer)
   local coupon = "NULL"
   if chance(0.05) then
      local code = string.format("SAVE%05d", uniform(1, 3000))
      if query_row("SELECT discount_pct FROM legacy_coupons WHERE code = '%s' " ..
                   "AND (valid_to IS NULL OR valid_to >= '2020-01-01')", code) then
         query("UPDATE legacy_coupons SET used = used + 1 WHERE code = '%s'", code)
         coupon = quote(code)
      end
   end
   local note = "NULL"
   if chance(0.05) then
      note = quote(pick(NOTES))
   end
   query("INSERT INTO orders (customer_id, status, created_at, total, currency, shipping_country, coupon_code, note) " ..
         "VALUES (%d, 'new', NOW(), 0, 'EUR', '%s', %s, %s)", customer, country or "DE", coupon, note)
   local order_id = tonumber(con:query_row("SELECT LAST_INSERT_ID()"))
   for line = 1, uniform(1, 4) do
      local product = popular_product()
      if chance(0.1) then
         product = uniform(1, sysbench.opt.hot_products)
      end
      local qty = uniform(1, 3)
      query("UPDATE products SET stock = stock - %d WHERE id = %d", qty, product)
      query("INSERT INTO order_items (order_id, line_no, product_id, qty, unit_price) " ..
            "SELECT %d, %d, id, %d, price FROM products WHERE id = %d", order_id, line, qty, product)
   end
   query("UPDATE orders SET total = (SELECT SUM(line_total) FROM order_items WHERE order_id = %d) WHERE id = %d",
         order_id, order_id)
   query("INSERT INTO payments (order_id, method, status, amount, provider_ref, created_at) " ..
         "SELECT id, '%s', 'pending', total, UNHEX(MD5(RAND())), NOW(6) FROM orders WHERE id = %d",
         pick({"card", "card", "paypal", "transfer"}), order_id)
   con:query("COMMIT")
end

-- Payment service callback: capture a pending payment of a recent order and
-- mark the order paid (the trigger records the status change), or ship a
-- paid one.
local function payment_update()
   local top = max_order_id()
   local order_id = uniform(math.max(1, top - 5000), top)
   con:query("BEGIN")
   local payment = query_row("SELECT id FROM payments WHERE order_id = %d AND status = 'pending' " ..
                             "ORDER BY id LIMIT 1 FOR UPDATE", order_id)
   if payment then
      query("UPDATE payments SET status = 'captured', paid_at = NOW() WHERE id = %d", payment)
      query("UPDATE orders SET status = 'paid' WHERE id = %d AND status = 'new'", order_id)
   else
      query("UPDATE orders SET status = 'shipped' WHERE id = %d AND status = 'paid'", order_id)
   end
   con:query("COMMIT")
end

-- Customer service: order history (composite index), the view with its
-- function, and a stored function call.
local function customer_history()
   local customer = uniform(1, sysbench.opt.customers)
   query("SELECT id, status, total, created_at FROM orders WHERE customer_id = %d " ..
         "ORDER BY created_at DESC LIMIT 10", customer)
   query("SELECT order_id, status, total, vat FROM order_summary WHERE customer_id = %d " ..
         "ORDER BY created_at DESC LIMIT 5", customer)
   query("SELECT vat_rate(country) FROM customers WHERE id = %d", customer)
end

-- Customer service again, through the stored procedure (needs EXECUTE).
local function customer_stats()
   query("CALL customer_order_stats(%d, @orders, @revenue)", uniform(1, sysbench.opt.customers))
   con:query("SELECT @orders, @revenue")
end

-- Restock of a bestseller that holds the row lock while the application
-- talks to the supplier: checkouts of that product wait behind it.
local function hot_restock()
   con:query("BEGIN")
   query("UPDATE products SET stock = stock + %d WHERE id = %d", uniform(10, 50),
         uniform(1, sysbench.opt.hot_products))
   con:query("SELECT SLEEP(0.2)")
   con:query("COMMIT")
end

-- Moves a unit of stock between two bestsellers, in either order; two of
-- these running at once in opposite order deadlock.
local function move_stock()
   local a, b = 1, 2
   if chance(0.5) then
      a, b = 2, 1
   end
   con:query("BEGIN")
   query("UPDATE products SET stock = stock - 1 WHERE id = %d", a)
   con:query("SELECT SLEEP(0.1)")
   query("UPDATE products SET stock = stock + 1 WHERE id = %d", b)
   con:query("COMMIT")
end

-- Monthly revenue by category: a genuinely slow report (full scan of orders,
-- join to lines and products, temporary table).
local function category_report()
   query("SELECT p.category, COUNT(*) AS line_count, SUM(i.line_total) AS revenue " ..
         "FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id " ..
         "WHERE o.created_at >= '2025-01-01' + INTERVAL %d DAY " ..
         "AND o.created_at < '2025-01-01' + INTERVAL %d DAY " ..
         "GROUP BY p.category ORDER BY revenue DESC", uniform(0, 150), uniform(151, 180))
end

-- Weights in percent; they add up to 100.
local MIX = {
   {22, product_page},
   {14, account_page},
   {10, login},
   {5, recent_orders},
   {12, product_search},
   {16, place_order},
   {9, payment_update},
   {5, customer_history},
   {2, customer_stats},
   {2, hot_restock},
   {1, move_stock},
   {2, category_report},
}

function event()
   local r = uniform(1, 100)
   for _, entry in ipairs(MIX) do
      r = r - entry[1]
      if r <= 0 then
         entry[2]()
         return
      end
   end
end
