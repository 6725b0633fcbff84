DROP TABLE job_output_user_data;
