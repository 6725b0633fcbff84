-- The sqlite3 shell's .expert union on this workload's replayed statements, as
-- bench/workloads.py found it (docs/benchmarks.md); bench/cold_pages.py times it.
CREATE INDEX expert_customer_w_d_last_first ON customer(c_w_id, c_d_id, c_last, c_first);
CREATE INDEX expert_customer_w_d_last ON customer(c_w_id, c_d_id, c_last);
CREATE INDEX expert_orders_w_d_c_id ON orders(o_w_id, o_d_id, o_c_id, o_id);
CREATE INDEX expert_stock_w_i_quantity ON stock(s_w_id, s_i_id, s_quantity);
