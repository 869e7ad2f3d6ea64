/* ec2mpi smoke test: every rank reports where it runs, and an allreduce proves the ranks talk. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, sum;
    char host[MPI_MAX_PROCESSOR_NAME];
    int host_length;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &host_length);
    printf("rank %d of %d on %s\n", rank, size, host);
    fflush(stdout);

    /* Sum of 1..size: each rank contributes rank + 1. */
    int contribution = rank + 1;
    MPI_Allreduce(&contribution, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("allreduce sum %d expected %d\n", sum, size * (size + 1) / 2);
    }
    MPI_Finalize();
    return 0;
}
