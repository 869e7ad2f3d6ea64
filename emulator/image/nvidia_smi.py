"""THE LOCAL EC2 EMULATOR'S HARDWARE STAND-IN for NVIDIA's nvidia-smi, in the emulator's containers only.

It is not NVIDIA's tool and never ships in the collection. localcloud-init links its wrapper (image/nvidia-smi) as
/usr/bin/nvidia-smi in an instance whose type has NVIDIA GPUs (as EC2's DescribeInstanceTypes says) and whose image carries the
driver, as NVIDIA's driver installs nvidia-smi there. It reports the GPUs listed in /etc/localcloud/gpus
(one EC2 GPU name per line; `localcloud-gpus N` keeps the first N, to emulate a GPU the driver lost), with
stable UUIDs. It answers the forms ec2mpi uses and nvidia-smi's own errors otherwise:

  nvidia-smi                                    a short table
  nvidia-smi -L                                 GPU 0: NVIDIA T4 (UUID: GPU-...)
  nvidia-smi --query-gpu=F,... --format=csv[,noheader][,nounits] [-i N]
      F among index, name, uuid, driver_version, pci.bus_id
"""

import socket
import sys
import uuid

GPUS_FILE = "/etc/localcloud/gpus"
DRIVER_VERSION = "570.172.08"
FIELDS = ("index", "name", "uuid", "driver_version", "pci.bus_id")


def gpus():
    with open(GPUS_FILE, encoding="utf-8") as gpu_file:
        names = [line.strip() for line in gpu_file if line.strip()]
    host = socket.gethostname()
    return [{"index": str(i), "name": f"NVIDIA {name}", "uuid": f"GPU-{uuid.uuid5(uuid.NAMESPACE_DNS, f'{host}.gpu{i}')}",
             "driver_version": DRIVER_VERSION, "pci.bus_id": f"00000000:00:{0x1E + i:02X}.0"} for i, name in enumerate(names)]


def fail(message, code):
    print(message, file=sys.stderr if code == 2 else sys.stdout)
    sys.exit(code)


def main(args):
    found = gpus()
    if not found:
        fail("No devices were found", 6)
    if not args:
        print(f"NVIDIA-SMI {DRIVER_VERSION}    Driver Version: {DRIVER_VERSION}    (localcloud stand-in)")
        for gpu in found:
            print(f"|  {gpu['index']}  {gpu['name']:<30} | {gpu['pci.bus_id']} |")
        return
    if args == ["-L"]:
        for gpu in found:
            print(f"GPU {gpu['index']}: {gpu['name']} (UUID: {gpu['uuid']})")
        return
    options = dict(arg.split("=", 1) if "=" in arg else (arg, None) for arg in args if arg != "-i")
    if "-i" in args:
        position = args.index("-i") + 1
        index = args[position] if position < len(args) else ""
        options.pop(index, None)
        found = [gpu for gpu in found if gpu["index"] == index]
        if not found:
            fail(f"No devices were found matching the index {index!r}", 6)
    query = options.pop("--query-gpu", None)
    output_format = (options.pop("--format", None) or "").split(",")
    fields = query.split(",") if query else []
    if not fields or "csv" not in output_format or options or any(field not in FIELDS for field in fields):
        fail(f"localcloud's nvidia-smi stand-in does not know: {' '.join(args)}", 2)
    if "noheader" not in output_format:
        print(", ".join(fields))
    for gpu in found:
        print(", ".join(gpu[field] for field in fields))


if __name__ == "__main__":
    main(sys.argv[1:])
