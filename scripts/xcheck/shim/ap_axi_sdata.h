// Empty stand-in for Vivado HLS's ap_axi_sdata.h (vta.cc uses none of its types).
#ifndef AP_AXI_SDATA_SHIM_H_
#define AP_AXI_SDATA_SHIM_H_
#endif
