package dev.vmlaunch.vfio;

/** struct vfio_irq_info: how many interrupts of one kind (INTx, MSI, MSI-X, ...) the device offers. */
public record VfioIrqInfo(int index, int flags, int count) {

    /** The vfio-pci name of this index. */
    public String pciName() {
        return switch (index) {
            case VfioAbi.VFIO_PCI_INTX_IRQ_INDEX -> "INTx";
            case VfioAbi.VFIO_PCI_MSI_IRQ_INDEX -> "MSI";
            case VfioAbi.VFIO_PCI_MSIX_IRQ_INDEX -> "MSI-X";
            case VfioAbi.VFIO_PCI_ERR_IRQ_INDEX -> "ERR";
            case VfioAbi.VFIO_PCI_REQ_IRQ_INDEX -> "REQ";
            default -> "irq " + index;
        };
    }

    public boolean eventfd() {
        return (flags & VfioAbi.VFIO_IRQ_INFO_EVENTFD) != 0;
    }
}
