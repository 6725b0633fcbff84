DROP TABLE scheduled_compute_node;
