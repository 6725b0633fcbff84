DROP TABLE local_scheduler;
