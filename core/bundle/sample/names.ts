/**
 * Real-world names the sample writer draws from: AV/AS vendors and products per OS, OS names and
 * groups as ISE lists them, and paths/registry keys for file and registry checks.
 */
export type ChartOs = 'windows' | 'mac' | 'linux';
type Category = 'antimalware' | 'antivirus' | 'antispyware' | 'firewall';

/**
 * A product of a vendor; `since`/`until` are the chart majors from which it is listed and from which
 * it is no longer listed (a new product line, a retired one), so the sample's charts change like real ones.
 */
type ProductSeed = [name: string, category: Category, versions: string, since?: number, until?: number];

export interface VendorSeed {
  name: string;
  products: ProductSeed[];
}

export const VENDORS: Record<ChartOs, VendorSeed[]> = {
  windows: [
    {
      name: 'Microsoft Corporation',
      products: [
        ['Microsoft Defender Antivirus', 'antimalware', '4.18.x'],
        ['Windows Defender Firewall', 'firewall', '10.x'],
        ['Microsoft Defender for Endpoint', 'antimalware', '10.8x'],
      ],
    },
    { name: 'CrowdStrike, Inc.', products: [['CrowdStrike Falcon Sensor', 'antimalware', '7.x']] },
    { name: 'SentinelOne', products: [['SentinelOne Agent', 'antimalware', '23.x']] },
    {
      name: 'Sophos Limited',
      products: [
        ['Sophos Intercept X', 'antimalware', '2023.x'],
        ['Sophos Endpoint Agent', 'antivirus', '2.x'],
        ['Sophos Firewall (Endpoint)', 'firewall', '2.x'],
      ],
    },
    {
      name: 'Trend Micro Inc.',
      products: [
        ['Trend Micro Apex One', 'antimalware', '14.x'],
        ['Trend Micro Worry-Free Business Security', 'antivirus', '20.x'],
      ],
    },
    {
      name: 'Trellix',
      products: [
        ['Trellix Endpoint Security', 'antimalware', '10.7.x'],
        ['McAfee VirusScan Enterprise', 'antivirus', '8.8.x', 0, 290],
      ],
    },
    {
      name: 'Broadcom Inc.',
      products: [
        ['Symantec Endpoint Protection', 'antimalware', '14.3.x'],
        ['Symantec Endpoint Protection Firewall', 'firewall', '14.3.x'],
      ],
    },
    {
      name: 'ESET, spol. s r.o.',
      products: [
        ['ESET Endpoint Antivirus', 'antivirus', '11.x'],
        ['ESET Endpoint Security', 'antimalware', '11.x'],
      ],
    },
    { name: 'Kaspersky Lab', products: [['Kaspersky Endpoint Security for Windows', 'antimalware', '12.x']] },
    { name: 'Bitdefender', products: [['Bitdefender Endpoint Security Tools', 'antimalware', '7.9.x']] },
    {
      name: 'Avast Software s.r.o.',
      products: [
        ['Avast Business Antivirus', 'antivirus', '24.x'],
        ['AVG AntiVirus Business Edition', 'antivirus', '24.x'],
      ],
    },
    { name: 'Malwarebytes', products: [['Malwarebytes Endpoint Protection', 'antispyware', '1.2.x']] },
    { name: 'Cisco Systems, Inc.', products: [['Cisco Secure Endpoint', 'antimalware', '8.x']] },
    { name: 'Palo Alto Networks', products: [['Cortex XDR Agent', 'antimalware', '8.x']] },
    { name: 'WithSecure Corporation', products: [['WithSecure Elements Endpoint Protection', 'antimalware', '23.x']] },
    { name: 'WatchGuard Technologies', products: [['WatchGuard EPDR', 'antimalware', '8.x']] },
    { name: 'Open Text Corporation', products: [['Webroot SecureAnywhere', 'antispyware', '9.x']] },
    { name: 'Check Point Software Technologies', products: [['Check Point Harmony Endpoint', 'antimalware', '88.x']] },
    { name: 'Fortinet Inc.', products: [['FortiClient', 'antivirus', '7.2.x']] },
    { name: 'Huntress Labs Inc.', products: [['Huntress Managed EDR', 'antimalware', '0.13.x', 285]] },
  ],
  mac: [
    {
      name: 'Apple Inc.',
      products: [
        ['XProtect', 'antimalware', '2.x'],
        ['macOS Application Firewall', 'firewall', '15.x'],
      ],
    },
    { name: 'Microsoft Corporation', products: [['Microsoft Defender for Endpoint for Mac', 'antimalware', '101.x']] },
    { name: 'CrowdStrike, Inc.', products: [['CrowdStrike Falcon for Mac', 'antimalware', '7.x']] },
    { name: 'SentinelOne', products: [['SentinelOne Agent for macOS', 'antimalware', '23.x']] },
    { name: 'Sophos Limited', products: [['Sophos Endpoint for macOS', 'antimalware', '10.x']] },
    { name: 'ESET, spol. s r.o.', products: [['ESET Endpoint Security for macOS', 'antimalware', '7.x']] },
    { name: 'Kaspersky Lab', products: [['Kaspersky Endpoint Security for Mac', 'antimalware', '11.x']] },
    { name: 'Bitdefender', products: [['Bitdefender Endpoint Security Tools for Mac', 'antimalware', '7.x']] },
    { name: 'Malwarebytes', products: [['Malwarebytes for Mac', 'antispyware', '4.x']] },
    { name: 'Cisco Systems, Inc.', products: [['Cisco Secure Endpoint for Mac', 'antimalware', '1.2x']] },
    { name: 'Trend Micro Inc.', products: [['Trend Micro Apex One (Mac)', 'antimalware', '3.x']] },
    { name: 'Trellix', products: [['Trellix Endpoint Security for Mac', 'antimalware', '10.7.x']] },
    { name: 'Jamf', products: [['Jamf Protect', 'antimalware', '5.x', 200]] },
  ],
  linux: [
    { name: 'Microsoft Corporation', products: [['Microsoft Defender for Endpoint on Linux', 'antimalware', '101.x']] },
    { name: 'CrowdStrike, Inc.', products: [['CrowdStrike Falcon Sensor for Linux', 'antimalware', '7.x']] },
    { name: 'SentinelOne', products: [['SentinelOne Linux Agent', 'antimalware', '23.x']] },
    { name: 'Sophos Limited', products: [['Sophos Protection for Linux', 'antimalware', '1.x']] },
    { name: 'ESET, spol. s r.o.', products: [['ESET Server Security for Linux', 'antimalware', '10.x']] },
    { name: 'Kaspersky Lab', products: [['Kaspersky Endpoint Security for Linux', 'antimalware', '12.x']] },
    { name: 'Trellix', products: [['Trellix Endpoint Security for Linux', 'antimalware', '10.7.x']] },
    {
      name: 'Cisco Systems, Inc.',
      products: [
        ['ClamAV', 'antivirus', '1.x'],
        ['Cisco Secure Endpoint Linux Connector', 'antimalware', '1.2x'],
      ],
    },
    { name: 'Bitdefender', products: [['Bitdefender GravityZone for Linux', 'antimalware', '7.x']] },
    { name: 'Red Hat, Inc.', products: [['firewalld', 'firewall', '1.x']] },
    { name: 'Canonical Ltd.', products: [['Uncomplicated Firewall (ufw)', 'firewall', '0.36.x']] },
    { name: 'Elasticsearch B.V.', products: [['Elastic Defend', 'antimalware', '8.x', 50]] },
  ],
};

/** An OS name, or [name, first supported-OS major that lists it] for OSes released later. */
export type OsSeed = string | [name: string, since: number];

/** ISE-style OS groups → OS names (a newer supported-OS version lists the newer releases). */
export const OS_GROUPS: Array<{ group: string; sub: Array<{ group: string; os: OsSeed[] }> }> = [
  {
    group: 'Windows All',
    sub: [
      {
        group: 'Windows 11 (All)',
        os: [
          'Windows 11 Home',
          'Windows 11 Professional',
          'Windows 11 Enterprise',
          'Windows 11 Education',
          ['Windows 11 Enterprise LTSC', 90],
          ['Windows 11 23H2', 86],
          ['Windows 11 24H2', 95],
          ['Windows 11 25H2', 104],
        ],
      },
      {
        group: 'Windows 10 (All)',
        os: ['Windows 10 Home', 'Windows 10 Professional', 'Windows 10 Enterprise', 'Windows 10 Education', 'Windows 10 Enterprise LTSC'],
      },
      {
        group: 'Windows Server (All)',
        os: ['Windows Server 2016', 'Windows Server 2019', 'Windows Server 2022', ['Windows Server 2025', 98]],
      },
    ],
  },
  {
    group: 'Mac OSX',
    sub: [
      { group: 'Mac OSX (All)', os: ['Mac OSX 12', 'Mac OSX 13', ['Mac OSX 14', 88], ['macOS 15 Sequoia', 97], ['macOS 26 Tahoe', 105]] },
    ],
  },
  {
    group: 'Linux All',
    sub: [
      { group: 'Ubuntu (All)', os: ['Ubuntu 20.04', 'Ubuntu 22.04', ['Ubuntu 24.04', 93]] },
      {
        group: 'Red Hat Enterprise Linux (All)',
        os: ['Red Hat Enterprise Linux 8', ['Red Hat Enterprise Linux 9', 80], ['Red Hat Enterprise Linux 10', 103]],
      },
      { group: 'SUSE Linux Enterprise (All)', os: ['SUSE Linux Enterprise Server 15'] },
    ],
  },
];

/** Feature updates of each Windows release (appended as further entries when --scale multiplies OS entries). */
export const WINDOWS_BUILDS = ['21H2', '22H2', '23H2', '24H2', '25H2'];

export const WIN_PATHS = [
  'C:\\Program Files\\Windows Defender\\MsMpEng.exe',
  'C:\\Program Files\\CrowdStrike\\CSFalconService.exe',
  'C:\\Program Files\\SentinelOne\\Sentinel Agent\\SentinelAgent.exe',
  'C:\\Program Files (x86)\\Sophos\\Sophos Anti-Virus\\SavService.exe',
  'C:\\Program Files (x86)\\Trend Micro\\Security Agent\\PccNTMon.exe',
  'C:\\Program Files\\McAfee\\Endpoint Security\\Threat Prevention\\mfetp.exe',
  'C:\\Program Files\\Symantec\\Symantec Endpoint Protection\\ccSvcHst.exe',
  'C:\\Program Files\\ESET\\ESET Security\\ekrn.exe',
  'C:\\Windows\\System32\\drivers\\etc\\hosts',
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Program Files\\Cisco\\AMP\\sfc.exe',
];

export const MAC_PATHS = [
  '/Library/Apple/System/Library/CoreServices/XProtect.bundle',
  '/Applications/Microsoft Defender.app',
  '/Library/CS/falcond',
  '/Applications/Sophos/Sophos Endpoint.app',
];
export const LINUX_PATHS = [
  '/opt/microsoft/mdatp/sbin/wdavdaemon',
  '/opt/CrowdStrike/falcond',
  '/opt/sentinelone/bin/sentinelctl',
  '/usr/sbin/clamd',
  '/etc/ssh/sshd_config',
];

export const REGISTRY_KEYS = [
  'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection',
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\StandardProfile',
  'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update',
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR',
  'HKLM\\SOFTWARE\\Policies\\Microsoft\\FVE',
];

export const SERVICES = [
  'WinDefend',
  'mpssvc',
  'wuauserv',
  'BITS',
  'CSFalconService',
  'SentinelAgent',
  'ekrn',
  'sshd',
  'firewalld',
  'clamav-daemon',
];
