DROP TABLE compute_node;
