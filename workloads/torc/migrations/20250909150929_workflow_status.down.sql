DROP TABLE workflow_status;
