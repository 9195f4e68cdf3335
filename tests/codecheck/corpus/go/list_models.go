package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	req, _ := http.NewRequest("GET", "https://api.pixapi.ai/v1/models", nil)
	req.Header.Add("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID       string `json:"id"`
			Category string `json:"category"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&list)
	for _, m := range list.Data {
		fmt.Printf("%-40s %s\n", m.ID, m.Category)
	}
}
