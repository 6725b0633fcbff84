DROP TABLE workflow_action;
