"""Running the pipeline unattended: the Prefect server and deployments, the run lock, arrival of
files, progress and failure messages, and `helhedsplan status`."""
