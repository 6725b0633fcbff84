DROP TABLE workflow;
