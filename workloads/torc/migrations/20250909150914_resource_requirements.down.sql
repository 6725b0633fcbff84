DROP TABLE resource_requirements;
