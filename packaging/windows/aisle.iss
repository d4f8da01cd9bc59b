; Inno Setup script for Aisle on Windows (x64), for Inno Setup 6.3 or newer.
;
; Built by .github/workflows/installers.yml after PyInstaller has produced dist\aisle\ (aisle.exe, the kiosk window,
; and aisle-cli.exe, the same program for terminal commands such as `aisle-cli chat` and `--bundle-selftest`):
;
;   iscc /DAppVersion=0.1.0 /DSetupIcon=C:\path\to\aisle.ico packaging\windows\aisle.iss
;
; Output: dist\aisle-windows-x64-setup.exe. It installs for the current user by default (no administrator needed;
; an administrator may choose all users), adds a Start menu entry, optionally a desktop icon and a kiosk entry in
; the Startup folder (fullscreen kiosk at sign-in), and uninstalls cleanly. The user's data (settings, history, logs,
; an imported catalog) lives in %LOCALAPPDATA%\aisle and is kept by an upgrade and by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\aisle"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#define AppName "Aisle"
#define AppExe "aisle.exe"

[Setup]
AppId={{6B0F3A52-5C1E-4E8E-9C7B-2F4D8A1E7C31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Aisle
AppComments=Voice shopping assistant for store kiosks
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename=aisle-windows-x64-setup
#ifdef SetupIcon
SetupIconFile={#SetupIcon}
#endif
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
MinVersion=10.0
CloseApplications=yes
RestartApplications=no
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "kiosk"; Description: "Start the Aisle kiosk (fullscreen) at sign-in"; GroupDescription: "Kiosk:"; Flags: unchecked

[Files]
; the whole PyInstaller bundle; an upgrade replaces it, files of an older version that are gone are removed below
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; a previous version's Python packages and libraries: remove them so that nothing stale is left next to the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Aisle, the voice shopping assistant"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon
Name: "{autostartup}\{#AppName} kiosk"; Filename: "{app}\{#AppExe}"; Parameters: "--kiosk"; Tasks: kiosk

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
