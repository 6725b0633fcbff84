DROP TABLE ready_queue;
