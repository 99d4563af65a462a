import { describe, expect, it } from 'vitest';
import { XlListUnreadableError } from './errors.js';
import { parseXlList, ShutdownReason } from './xl-list.js';

// As tools/xl/xl_info.c prints it: "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f".
const TEXT = `Name                                        ID   Mem VCPUs\tState\tTime(s)
Domain-0                                     0  2048     2     r-----      41.2
h1-xs-state-1                                3   256     1     -b----       1.9
h1-builder-2                                 7   256     1     ---s--       0.8
h1-blk-shared-4                              9   256     1     ---sc-       0.3
h1-net-a-2                                  11   256     1     --p---       0.0
`;

// xl list -v adds the UUID, the reason code and the security label.
const VERBOSE = `Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label
Domain-0                                     0  2048     2     r-----      41.2 00000000-0000-0000-0000-000000000000        - system_u:system_r:dom0_t
h1-builder-2                                 7   256     1     ---s--       0.8 3b1c7c1e-6a0f-4f3e-9d7e-2f4c1b8e9a10        0 system_u:system_r:xoar_builder_t
`;

// xl list -l: a JSON list of { domid, config: libxl_domain_config }, as libxl_domain_config_gen_json writes it.
const JSON_LONG = `[
    {
        "domid": 0,
        "config": {
            "c_info": {
                "type": "pv",
                "name": "Domain-0",
                "uuid": "00000000-0000-0000-0000-000000000000",
                "run_hotplug_scripts": "True"
            },
            "b_info": {
                "max_vcpus": 2,
                "max_memkb": 2097152,
                "target_memkb": 2097152,
                "sched_params": {},
                "type.pv": {}
            }
        }
    },
    {
        "domid": 9,
        "config": {
            "c_info": {
                "type": "pv",
                "ssid_label": "system_u:system_r:xoar_blk_t",
                "name": "h1-blk-shared-4",
                "uuid": "9f0a8c2e-1d3b-4e5f-8a6b-7c8d9e0f1a2b",
                "run_hotplug_scripts": "True",
                "driver_domain": "True"
            },
            "b_info": {
                "max_vcpus": 1,
                "avail_vcpus": [0],
                "max_memkb": 262144,
                "target_memkb": 262144,
                "sched_params": {},
                "type.pv": {
                    "kernel": "/boot/vmlinuz-6.1.0-pv",
                    "ramdisk": "/var/lib/xoar/service-initrd.img",
                    "cmdline": "console=hvc0"
                }
            },
            "disks": [
                {
                    "backend_domid": 0,
                    "pdev_path": "/var/lib/xoar/xen/disks/blk-shared.img",
                    "vdev": "xvdb",
                    "backend": "phy",
                    "format": "raw",
                    "readwrite": 1
                }
            ],
            "nics": [
                {
                    "backend_domid": 0,
                    "devid": 0,
                    "mac": "00:16:3e:5a:01:c3",
                    "bridge": "xenbr0",
                    "script": "/etc/xen/scripts/vif-bridge",
                    "nictype": "vif"
                }
            ],
            "on_poweroff": "destroy",
            "on_reboot": "destroy",
            "on_crash": "destroy"
        }
    }
]
`;

describe('reading xl list', () => {
  it('reads each domain of the text table, with why it shut down if it did', () => {
    expect(parseXlList(TEXT)).toEqual([
      { name: 'Domain-0', domid: 0, shutdown: null },
      { name: 'h1-xs-state-1', domid: 3, shutdown: null },
      { name: 'h1-builder-2', domid: 7, shutdown: ShutdownReason.poweroff },
      { name: 'h1-blk-shared-4', domid: 9, shutdown: ShutdownReason.crash },
      { name: 'h1-net-a-2', domid: 11, shutdown: null },
    ]);
  });

  it('reads the verbose table alike', () => {
    expect(parseXlList(VERBOSE)).toEqual([
      { name: 'Domain-0', domid: 0, shutdown: null },
      { name: 'h1-builder-2', domid: 7, shutdown: ShutdownReason.poweroff },
    ]);
  });

  it('reads names and domids from the JSON of xl list -l, which does not say whether a domain shut down', () => {
    expect(parseXlList(JSON_LONG)).toEqual([
      { name: 'Domain-0', domid: 0 },
      { name: 'h1-blk-shared-4', domid: 9 },
    ]);
  });

  it('reads an empty listing as no domains', () => {
    expect(parseXlList('')).toEqual([]);
    expect(parseXlList('[]\n')).toEqual([]);
  });

  it('refuses output it does not know, quoting it', () => {
    expect(() => parseXlList('Domain list:\nDomain-0 0\n')).toThrow(XlListUnreadableError);
    expect(() => parseXlList(`${TEXT}garbage\n`)).toThrow(/the row "garbage"/);
    expect(() => parseXlList('[{"config": {}}]')).toThrow(/entry 0 has no domid/);
    expect(() => parseXlList('[{')).toThrow(/not JSON/);
  });
});
