DROP TABLE workflow_result;
