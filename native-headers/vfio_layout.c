/*
 * Prints the parts of the VFIO user ABI that dev.vmlaunch.vfio relies on, as NAME=VALUE lines (decimal).
 * VfioAbiIT builds this with the host's gcc against <linux/vfio.h> and compares every line with the Java
 * constants, so a wrong number in Java fails a test instead of an ioctl at run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/vfio.h>

#define VALUE(name) printf("%s=%lld\n", #name, (long long)(name))
#define SIZE(type) printf("sizeof.%s=%zu\n", #type, sizeof(struct type))
#define OFFSET(type, field) printf("offsetof.%s.%s=%zu\n", #type, #field, offsetof(struct type, field))

int main(void)
{
	VALUE(VFIO_API_VERSION);
	VALUE(VFIO_TYPE1_IOMMU);
	VALUE(VFIO_TYPE1v2_IOMMU);

	VALUE(VFIO_GET_API_VERSION);
	VALUE(VFIO_CHECK_EXTENSION);
	VALUE(VFIO_SET_IOMMU);
	VALUE(VFIO_GROUP_GET_STATUS);
	VALUE(VFIO_GROUP_SET_CONTAINER);
	VALUE(VFIO_GROUP_GET_DEVICE_FD);
	VALUE(VFIO_DEVICE_GET_INFO);
	VALUE(VFIO_DEVICE_GET_REGION_INFO);
	VALUE(VFIO_DEVICE_GET_IRQ_INFO);
	VALUE(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO);

	VALUE(VFIO_GROUP_FLAGS_VIABLE);
	VALUE(VFIO_GROUP_FLAGS_CONTAINER_SET);
	VALUE(VFIO_DEVICE_FLAGS_RESET);
	VALUE(VFIO_DEVICE_FLAGS_PCI);
	VALUE(VFIO_DEVICE_FLAGS_CAPS);
	VALUE(VFIO_REGION_INFO_FLAG_READ);
	VALUE(VFIO_REGION_INFO_FLAG_WRITE);
	VALUE(VFIO_REGION_INFO_FLAG_MMAP);
	VALUE(VFIO_REGION_INFO_FLAG_CAPS);
	VALUE(VFIO_IRQ_INFO_EVENTFD);
	VALUE(VFIO_IRQ_INFO_MASKABLE);
	VALUE(VFIO_IRQ_INFO_AUTOMASKED);
	VALUE(VFIO_IRQ_INFO_NORESIZE);

	VALUE(VFIO_PCI_BAR0_REGION_INDEX);
	VALUE(VFIO_PCI_ROM_REGION_INDEX);
	VALUE(VFIO_PCI_CONFIG_REGION_INDEX);
	VALUE(VFIO_PCI_VGA_REGION_INDEX);
	VALUE(VFIO_PCI_NUM_REGIONS);
	VALUE(VFIO_PCI_INTX_IRQ_INDEX);
	VALUE(VFIO_PCI_MSI_IRQ_INDEX);
	VALUE(VFIO_PCI_MSIX_IRQ_INDEX);
	VALUE(VFIO_PCI_ERR_IRQ_INDEX);
	VALUE(VFIO_PCI_REQ_IRQ_INDEX);
	VALUE(VFIO_PCI_NUM_IRQS);

	SIZE(vfio_group_status);
	OFFSET(vfio_group_status, argsz);
	OFFSET(vfio_group_status, flags);

	SIZE(vfio_device_info);
	OFFSET(vfio_device_info, argsz);
	OFFSET(vfio_device_info, flags);
	OFFSET(vfio_device_info, num_regions);
	OFFSET(vfio_device_info, num_irqs);
	OFFSET(vfio_device_info, cap_offset);

	SIZE(vfio_region_info);
	OFFSET(vfio_region_info, argsz);
	OFFSET(vfio_region_info, flags);
	OFFSET(vfio_region_info, index);
	OFFSET(vfio_region_info, cap_offset);
	OFFSET(vfio_region_info, size);
	OFFSET(vfio_region_info, offset);

	SIZE(vfio_irq_info);
	OFFSET(vfio_irq_info, argsz);
	OFFSET(vfio_irq_info, flags);
	OFFSET(vfio_irq_info, index);
	OFFSET(vfio_irq_info, count);

	SIZE(vfio_pci_hot_reset_info);
	OFFSET(vfio_pci_hot_reset_info, argsz);
	OFFSET(vfio_pci_hot_reset_info, flags);
	OFFSET(vfio_pci_hot_reset_info, count);
	OFFSET(vfio_pci_hot_reset_info, devices);

	SIZE(vfio_pci_dependent_device);
	OFFSET(vfio_pci_dependent_device, group_id);
	OFFSET(vfio_pci_dependent_device, segment);
	OFFSET(vfio_pci_dependent_device, bus);
	OFFSET(vfio_pci_dependent_device, devfn);

	/* The container fd handed to GROUP_SET_CONTAINER is an __s32 the kernel reads through a pointer. */
	printf("sizeof.container_fd=%zu\n", sizeof(__s32));

	VALUE(O_RDWR);
	VALUE(O_CLOEXEC);

	VALUE(EPERM);
	VALUE(ENOENT);
	VALUE(EINTR);
	VALUE(EIO);
	VALUE(ENXIO);
	VALUE(EBADF);
	VALUE(EAGAIN);
	VALUE(ENOMEM);
	VALUE(EACCES);
	VALUE(EFAULT);
	VALUE(EBUSY);
	VALUE(EEXIST);
	VALUE(ENODEV);
	VALUE(ENOTDIR);
	VALUE(EINVAL);
	VALUE(ENFILE);
	VALUE(EMFILE);
	VALUE(ENOTTY);
	VALUE(ENOSPC);
	VALUE(EROFS);
	VALUE(EBADFD);
	VALUE(EOPNOTSUPP);
	return 0;
}
