// Module ProviderSimulator
