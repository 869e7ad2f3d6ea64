/* ec2mpi smoke test: every rank reports where it runs and, with --gpus, the GPU it is bound to; an
   allreduce proves the ranks talk. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Binds the rank to the GPU of its node that its local rank numbers, as CUDA programs do (through
   CUDA_VISIBLE_DEVICES), and describes that GPU as nvidia-smi does ("index, name, uuid"), or "none"
   when the node has no such GPU. Runs before MPI_Init: forking later can upset some MPI transports. */
static void bind_gpu(char *gpu, size_t size)
{
    const char *local_rank = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    char command[160];
    char line[256] = "";
    FILE *listing;

    snprintf(gpu, size, "none");
    if (local_rank == NULL) {
        return;
    }
    snprintf(command, sizeof command, "nvidia-smi --query-gpu=index,name,uuid --format=csv,noheader -i %d 2>/dev/null",
             atoi(local_rank));
    listing = popen(command, "r");
    if (listing == NULL) {
        return;
    }
    if (fgets(line, sizeof line, listing) == NULL) {
        line[0] = '\0';
    }
    if (pclose(listing) == 0 && line[0] != '\0') {
        line[strcspn(line, "\n")] = '\0';
        snprintf(gpu, size, "%s", line);
        setenv("CUDA_VISIBLE_DEVICES", local_rank, 1);
    }
}

int main(int argc, char **argv)
{
    int rank, size, sum;
    char host[MPI_MAX_PROCESSOR_NAME];
    int host_length;
    char gpu[256] = "";
    int gpus = argc > 1 && strcmp(argv[1], "--gpus") == 0;

    if (gpus) {
        bind_gpu(gpu, sizeof gpu);
    }
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &host_length);
    if (gpus) {
        printf("rank %d of %d on %s gpu %s\n", rank, size, host, gpu);
    } else {
        printf("rank %d of %d on %s\n", rank, size, host);
    }
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
