"""Local EC2 emulator for ec2mpi: moto server answers the AWS APIs, Docker containers are the instances."""
