DROP TABLE job_output_file;
