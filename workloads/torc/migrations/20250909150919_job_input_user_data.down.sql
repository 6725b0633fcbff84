DROP TABLE job_input_user_data;
