DROP TABLE job_input_file;
